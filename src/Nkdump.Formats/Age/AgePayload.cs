using System.Buffers.Binary;

namespace Nkdump.Formats.Age;

/// <summary>
/// age's payload (STREAM): after the header a 16-byte nonce, then the plaintext in 64 KiB chunks, each
/// sealed on its own with ChaCha20-Poly1305 under a key derived from the file key and that nonce. A
/// chunk's nonce is its index (11 bytes, big-endian) and a last-chunk flag: so a chunk cannot be
/// moved, and the file cannot be cut at a chunk boundary without the reader noticing.
/// </summary>
internal static class AgePayload
{
    public const int NonceSize = 16;
    public const int ChunkSize = 64 * 1024;
    public const int SealedChunkSize = ChunkSize + AgeCrypto.TagSize;

    public static byte[] Key(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> nonce) => AgeCrypto.Hkdf(fileKey, nonce, "payload");

    /// <summary>
    /// Starts an age file on <paramref name="output"/>: a fresh file key wrapped for every recipient, the
    /// header and the payload nonce, written at the stream's position. Returns the payload key and how
    /// many bytes were written (where chunk 0 starts, counted from the header's first byte).
    /// </summary>
    public static (byte[] Key, int HeaderAndNonce) Start(Stream output, IReadOnlyList<AgeRecipient> recipients)
    {
        if (recipients.Count == 0)
        {
            throw new ArgumentException("no recipient", nameof(recipients));
        }

        var fileKey = AgeCrypto.Random(AgeCrypto.FileKeySize);
        var header = AgeHeader.Encode(recipients.Select(r => r.Wrap(fileKey)).ToList(), fileKey);
        var nonce = AgeCrypto.Random(NonceSize);
        output.Write(header);
        output.Write(nonce);
        return (Key(fileKey, nonce), header.Length + NonceSize);
    }

    /// <summary>The 12-byte ChaCha20-Poly1305 nonce of chunk <paramref name="index"/>.</summary>
    public static void ChunkNonce(long index, bool last, Span<byte> nonce)
    {
        nonce.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[3..11], (ulong)index);
        nonce[11] = last ? (byte)1 : (byte)0;
    }
}
