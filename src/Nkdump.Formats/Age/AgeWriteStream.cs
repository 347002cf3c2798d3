namespace Nkdump.Formats.Age;

/// <summary>
/// Encrypts what is written to it into an age file on <paramref name="inner"/>, a chunk at a time:
/// the header at once, then each 64 KiB of plaintext sealed when the next byte arrives (only
/// <see cref="Finish"/> knows which chunk is the last). Memory: one chunk. Write-only and not
/// seekable, like a pipe: a writer that wants to seek back writes the flattened format into it. A
/// stream disposed without <see cref="Finish"/> lacks its last chunk, and readers refuse it as truncated.
/// A file, which can seek, takes <see cref="AgeSeekableWriteStream"/> instead.
/// </summary>
public sealed class AgeWriteStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _key;
    private readonly byte[] _plain = new byte[AgePayload.ChunkSize];
    private readonly byte[] _sealed = new byte[AgePayload.SealedChunkSize];
    private int _filled;
    private long _chunk;
    private bool _finished;

    public AgeWriteStream(Stream inner, IReadOnlyList<AgeRecipient> recipients, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _key = AgePayload.Start(inner, recipients).Key;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_finished;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            if (_filled == _plain.Length)
            {
                SealChunk(last: false);
            }

            var count = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..count].CopyTo(_plain.AsSpan(_filled));
            _filled += count;
            buffer = buffer[count..];
        }
    }

    /// <summary>Seals the last chunk (full or not; empty only when nothing was written) and flushes.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        SealChunk(last: true);
        _finished = true;
        _inner.Flush();
    }

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void SealChunk(bool last)
    {
        Span<byte> nonce = stackalloc byte[12];
        AgePayload.ChunkNonce(_chunk, last, nonce);
        AgeCrypto.Seal(_key, nonce, _plain.AsSpan(0, _filled), _sealed);
        _inner.Write(_sealed, 0, _filled + AgeCrypto.TagSize);
        _chunk++;
        _filled = 0;
    }
}
