using Nkdump.Formats.IO;

namespace Nkdump.Formats.Age;

/// <summary>
/// The plaintext of an age file, read in place by offset (<see cref="IRandomAccessFile"/>): a read
/// decrypts only the 64 KiB chunks it touches (a few recent ones are kept), nothing decrypted is
/// written anywhere. Opening checks everything a reader must before trusting a byte: an identity
/// opens a stanza, the header MAC matches, the chunk layout fits the file's length, the last chunk
/// carries the last-chunk flag (a file cut at a chunk boundary fails), and, unless asked not to,
/// every chunk authenticates: a damaged or tampered file fails to open, naming the chunk and its
/// offset, before any of its plaintext is used.
/// </summary>
public sealed class AgeFile : ISpanFile
{
    private const int CachedChunks = 16;

    private readonly IRandomAccessFile _file;
    private readonly byte[] _key;
    private readonly long _payloadStart;
    private readonly long _chunks;
    private readonly int _lastSealedSize;
    private readonly Lock _cacheLock = new();
    private readonly LinkedList<(long Index, byte[] Plain)> _cache = new();

    private AgeFile(IRandomAccessFile file, byte[] key, long payloadStart, long chunks, int lastSealedSize)
    {
        _file = file;
        _key = key;
        _payloadStart = payloadStart;
        _chunks = chunks;
        _lastSealedSize = lastSealedSize;
        Length = ((chunks - 1) * (long)AgePayload.ChunkSize) + lastSealedSize - AgeCrypto.TagSize;
    }

    public string Path => _file.Path;

    /// <summary>The plaintext's length.</summary>
    public long Length { get; }

    public bool IsMemoryMapped => false;

    public string? ReadReason => "age-encrypted: decrypted a chunk at a time";

    /// <summary>True when the first bytes of <paramref name="file"/> are an age header's.</summary>
    public static bool IsAge(IRandomAccessFile file)
    {
        Span<byte> head = stackalloc byte[19];
        if (file.Length < head.Length)
        {
            return false;
        }

        file.Read(0, head);
        return AgeHeader.HasMagic(head);
    }

    /// <summary>
    /// Opens the age file <paramref name="file"/> with <paramref name="identities"/>; takes ownership of
    /// <paramref name="file"/> when it succeeds. <paramref name="verifyAll"/>: authenticate every chunk now.
    /// </summary>
    public static AgeFile Open(IRandomAccessFile file, IReadOnlyList<AgeIdentity> identities, bool verifyAll = true)
    {
        var path = file.Path;
        var head = new byte[(int)Math.Min(file.Length, AgeHeader.MaxLength)];
        file.Read(0, head);
        var header = AgeHeader.Parse(head, path);
        var fileKey = UnwrapFileKey(header, identities, path);
        if (!AgeCrypto.Equal(AgeHeader.ComputeMac(fileKey, head.AsSpan(0, header.MacInputLength)), header.Mac))
        {
            throw new DumpFormatException(path, header.MacInputLength, "age header: the MAC does not match (the header was changed or damaged)");
        }

        if (file.Length < header.Length + AgePayload.NonceSize)
        {
            throw new DumpFormatException(path, header.Length, "age payload: the file ends inside the payload nonce (truncated)");
        }

        var nonce = new byte[AgePayload.NonceSize];
        file.Read(header.Length, nonce);
        var payloadStart = header.Length + AgePayload.NonceSize;
        var sealedLength = file.Length - payloadStart;
        if (sealedLength < AgeCrypto.TagSize)
        {
            throw new DumpFormatException(path, payloadStart, "age payload: no chunk after the nonce (truncated)");
        }

        var chunks = (sealedLength + AgePayload.SealedChunkSize - 1) / AgePayload.SealedChunkSize;
        var lastSize = (int)(sealedLength - ((chunks - 1) * AgePayload.SealedChunkSize));
        if (lastSize < AgeCrypto.TagSize || (lastSize == AgeCrypto.TagSize && chunks > 1))
        {
            // A last chunk can be empty only when the whole payload is.
            throw new DumpFormatException(path, file.Length - lastSize, $"age payload: the file ends {lastSize} bytes into chunk {chunks - 1}, too short for a chunk (truncated or extended)");
        }

        var age = new AgeFile(file, AgePayload.Key(fileKey, nonce), payloadStart, chunks, lastSize);
        var plain = new byte[AgePayload.ChunkSize];
        age.DecryptChunk(chunks - 1, plain);
        if (verifyAll)
        {
            for (long i = 0; i < chunks - 1; i++)
            {
                age.DecryptChunk(i, plain);
            }
        }

        return age;
    }

    private static byte[] UnwrapFileKey(AgeHeader header, IReadOnlyList<AgeIdentity> identities, string path)
    {
        foreach (var stanza in header.Stanzas)
        {
            foreach (var identity in identities)
            {
                byte[]? fileKey;
                try
                {
                    fileKey = identity.Unwrap(stanza);
                }
                catch (NkdumpException e) when (e is not DumpFormatException)
                {
                    throw new DumpFormatException(path, 0, $"age header: {e.Message}");
                }

                if (fileKey is not null)
                {
                    return fileKey;
                }
            }
        }

        var types = string.Join(", ", header.Stanzas.Select(s => s.Type).Distinct());
        throw new DumpFormatException(path, 0, $"no identity given opens this file: none of its {header.Stanzas.Count} recipient stanzas ({types}) is for the identity file's keys (wrong --identity?)");
    }

    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    public void Read(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            throw new DumpFormatException(Path, offset, $"{destination.Length} bytes needed but the decrypted file ends at {Length}");
        }

        while (!destination.IsEmpty)
        {
            var index = offset / AgePayload.ChunkSize;
            var within = (int)(offset % AgePayload.ChunkSize);
            var plain = Chunk(index);
            var count = Math.Min(destination.Length, plain.Length - within);
            plain.AsSpan(within, count).CopyTo(destination);
            destination = destination[count..];
            offset += count;
        }
    }

    /// <summary>
    /// The plaintext [offset, offset+length) in place: a range inside one chunk is a slice of that
    /// chunk's decrypted buffer (never written again once decrypted, so the span stays valid after the
    /// chunk leaves the cache); a range across chunks is copied into a new buffer.
    /// </summary>
    public ReadOnlySpan<byte> Unsafe(long offset, int length)
    {
        var index = offset / AgePayload.ChunkSize;
        var within = (int)(offset % AgePayload.ChunkSize);
        if (within + length <= AgePayload.ChunkSize)
        {
            return Chunk(index).AsSpan(within, length);
        }

        var copy = new byte[length];
        Read(offset, copy);
        return copy;
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The plaintext of chunk <paramref name="index"/>, from the cache or decrypted (outside the lock: threads decrypt in parallel).</summary>
    private byte[] Chunk(long index)
    {
        lock (_cacheLock)
        {
            for (var node = _cache.First; node is not null; node = node.Next)
            {
                if (node.Value.Index == index)
                {
                    _cache.Remove(node);
                    _cache.AddFirst(node);
                    return node.Value.Plain;
                }
            }
        }

        var buffer = new byte[AgePayload.ChunkSize];
        var plain = buffer.AsSpan(0, DecryptChunk(index, buffer)).ToArray();
        lock (_cacheLock)
        {
            _cache.AddFirst((index, plain));
            if (_cache.Count > CachedChunks)
            {
                _cache.RemoveLast();
            }
        }

        return plain;
    }

    /// <summary>Decrypts chunk <paramref name="index"/> into <paramref name="plain"/>; returns its length; throws naming the chunk when it does not authenticate.</summary>
    private int DecryptChunk(long index, byte[] plain)
    {
        var last = index == _chunks - 1;
        var sealedSize = last ? _lastSealedSize : AgePayload.SealedChunkSize;
        var at = _payloadStart + (index * AgePayload.SealedChunkSize);
        var sealedChunk = new byte[sealedSize];
        _file.Read(at, sealedChunk);
        Span<byte> nonce = stackalloc byte[12];
        AgePayload.ChunkNonce(index, last, nonce);
        if (!AgeCrypto.TryOpen(_key, nonce, sealedChunk, plain))
        {
            var why = last
                ? "the last chunk does not authenticate as the last one (the file was cut, extended or changed)"
                : "it does not authenticate (the file was changed or damaged)";
            throw new DumpFormatException(Path, at, $"age payload chunk {index} of {_chunks}: {why}");
        }

        return sealedSize - AgeCrypto.TagSize;
    }
}
