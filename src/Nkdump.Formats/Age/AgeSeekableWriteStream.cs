namespace Nkdump.Formats.Age;

/// <summary>
/// Encrypts into an age file on a seekable, readable <paramref name="inner"/> (a dump file) while the
/// writer seeks about its plaintext as it would in a plain file: the kdump writer fills in its header,
/// bitmaps, descriptor table and page data at their places, so that decrypting gives the bytes of the
/// file it would have written in the clear.
/// <para>
/// It works because age seals every 64 KiB of plaintext on its own, with the chunk's index in the
/// nonce: chunk i always sits at the same offset of the age file, whatever was written before. The
/// chunks written to lately are kept open in memory (<see cref="OpenChunks"/> of them, 1 MiB: the
/// writer's few cursors each keep theirs); the least recently used one is sealed as a full non-last
/// chunk and written in place when another is needed. Writing again into a sealed chunk (the header,
/// rewritten at the end) reads it back and opens it with the payload key first. Plaintext that was
/// never written (a hole of the plain file) is zeros, as a hole reads.
/// </para>
/// <see cref="Finish"/> seals what is open, fills the chunks never touched with sealed zeros, seals the
/// chunk holding the end of the plaintext as the last one (full or not; empty only when nothing was
/// written, as age requires) and cuts the file after it. Without <see cref="Finish"/> the file has no
/// last chunk and readers refuse it as truncated. Not for several threads at once.
/// </summary>
public sealed class AgeSeekableWriteStream : Stream
{
    /// <summary>Chunks kept open: 1 MiB, enough for each of the kdump writer's cursors and its 1 MiB data writes.</summary>
    public const int OpenChunks = 16;

    private readonly Stream _inner;
    private readonly long _payloadStart;
    private readonly byte[] _key;
    private readonly LinkedList<(long Index, byte[] Plain)> _open = new();
    private readonly byte[] _sealed = new byte[AgePayload.SealedChunkSize];
    private readonly List<ulong> _sealedOnce = [];
    private long _position;
    private long _length;
    private bool _finished;

    /// <summary>Writes the age header at <paramref name="inner"/>'s position (normally 0) for <paramref name="recipients"/>.</summary>
    public AgeSeekableWriteStream(Stream inner, IReadOnlyList<AgeRecipient> recipients)
    {
        if (!inner.CanSeek || !inner.CanRead)
        {
            throw new ArgumentException("an age file written at random offsets needs a stream that can seek and read back", nameof(inner));
        }

        _inner = inner;
        var start = inner.Position;
        var (key, headerAndNonce) = AgePayload.Start(inner, recipients);
        _key = key;
        _payloadStart = start + headerAndNonce;
    }

    public override bool CanRead => false;

    public override bool CanSeek => !_finished;

    public override bool CanWrite => !_finished;

    /// <summary>The plaintext's length: the end of the furthest write.</summary>
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => _length + offset,
    };

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            var index = _position / AgePayload.ChunkSize;
            var within = (int)(_position % AgePayload.ChunkSize);
            var count = Math.Min(buffer.Length, AgePayload.ChunkSize - within);
            buffer[..count].CopyTo(Open(index).AsSpan(within));
            buffer = buffer[count..];
            _position += count;
            _length = Math.Max(_length, _position);
        }
    }

    /// <summary>Seals and writes everything (see the class comment); the file is complete after this.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        var last = _length == 0 ? 0 : (_length - 1) / AgePayload.ChunkSize;
        var lastPlain = Open(last);
        while (_open.Last is { } node && node.Value.Index != last)
        {
            _open.RemoveLast();
            SealFull(node.Value.Index, node.Value.Plain);
        }

        var zeros = new byte[AgePayload.ChunkSize];
        for (long index = 0; index < last; index++)
        {
            if (!WasSealed(index))
            {
                SealFull(index, zeros);
            }
        }

        var lastLength = (int)(_length - (last * AgePayload.ChunkSize));
        WriteSealed(last, lastPlain.AsSpan(0, lastLength), isLast: true);
        if (_inner.Length > ChunkOffset(last) + lastLength + AgeCrypto.TagSize)
        {
            _inner.SetLength(ChunkOffset(last) + lastLength + AgeCrypto.TagSize); // a file written over an older, longer one
        }

        _inner.Flush();
        _finished = true;
    }

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The open plaintext of chunk <paramref name="index"/>, made the most recently used; may seal the least recently used one.</summary>
    private byte[] Open(long index)
    {
        for (var node = _open.First; node is not null; node = node.Next)
        {
            if (node.Value.Index == index)
            {
                if (node != _open.First)
                {
                    _open.Remove(node);
                    _open.AddFirst(node);
                }

                return node.Value.Plain;
            }
        }

        byte[] plain;
        if (_open.Count >= OpenChunks && Victim() is { } evicted)
        {
            _open.Remove(evicted);
            SealFull(evicted.Value.Index, evicted.Value.Plain);
            plain = evicted.Value.Plain;
            Array.Clear(plain);
        }
        else
        {
            plain = new byte[AgePayload.ChunkSize];
        }

        if (WasSealed(index))
        {
            ReadBack(index, plain);
        }

        _open.AddFirst((index, plain));
        return plain;
    }

    /// <summary>
    /// The least recently used chunk, passing over the one that holds the end of the plaintext: that one
    /// is sealed only by <see cref="Finish"/> (as the last chunk, at its length), or once later writes
    /// go past it. So no sealed chunk ever reaches past the end, and an inner stream that cannot be cut
    /// (a flattened stream) ends where the age file does.
    /// </summary>
    private LinkedListNode<(long Index, byte[] Plain)>? Victim()
    {
        var tail = _length == 0 ? -1 : (_length - 1) / AgePayload.ChunkSize;
        var node = _open.Last;
        return node is not null && node.Value.Index == tail ? node.Previous : node;
    }

    private void SealFull(long index, byte[] plain)
    {
        WriteSealed(index, plain, isLast: false);
        var word = (int)(index / 64);
        while (_sealedOnce.Count <= word)
        {
            _sealedOnce.Add(0);
        }

        _sealedOnce[word] |= 1UL << (int)(index % 64);
    }

    private bool WasSealed(long index)
    {
        var word = index / 64;
        return word < _sealedOnce.Count && (_sealedOnce[(int)word] & (1UL << (int)(index % 64))) != 0;
    }

    private void WriteSealed(long index, ReadOnlySpan<byte> plain, bool isLast)
    {
        Span<byte> nonce = stackalloc byte[12];
        AgePayload.ChunkNonce(index, isLast, nonce);
        var sealedChunk = _sealed.AsSpan(0, plain.Length + AgeCrypto.TagSize);
        AgeCrypto.Seal(_key, nonce, plain, sealedChunk);
        _inner.Position = ChunkOffset(index);
        _inner.Write(sealedChunk);
    }

    /// <summary>Reads back and opens a full chunk sealed earlier (this writer wrote it: a failure means the file was changed under it).</summary>
    private void ReadBack(long index, byte[] plain)
    {
        _inner.Position = ChunkOffset(index);
        _inner.ReadExactly(_sealed);
        Span<byte> nonce = stackalloc byte[12];
        AgePayload.ChunkNonce(index, last: false, nonce);
        if (!AgeCrypto.TryOpen(_key, nonce, _sealed, plain))
        {
            throw new IOException($"age chunk {index} at offset {ChunkOffset(index)} no longer authenticates: the file was changed while it was written");
        }
    }

    private long ChunkOffset(long index) => _payloadStart + (index * AgePayload.SealedChunkSize);
}
