using Nkdump.Formats.Age;
using Nkdump.Formats.IO;

namespace Nkdump.Formats.Tests.Age;

/// <summary>
/// The seekable age writer: whatever order a writer seeks and writes in (rewrites, holes, more cursors
/// than chunks kept open), the file decrypts to the bytes a plain file written the same way holds, and
/// it is a well-formed age file (one last chunk, full unless it holds the end, empty only when nothing was written).
/// </summary>
public sealed class AgeSeekableWriteStreamTests
{
    private static readonly (AgeIdentity Identity, string Secret, string Recipient) Key = AgeIdentity.GenerateX25519();

    /// <summary>Replays <paramref name="writes"/> on a plain stream and on the age writer; returns both plaintexts.</summary>
    private static (byte[] Plain, byte[] Decrypted, byte[] Sealed) Replay(IEnumerable<(long At, byte[] Bytes)> writes)
    {
        using var plain = new MemoryStream();
        using var sealedFile = new MemoryStream();
        using (var age = new AgeSeekableWriteStream(sealedFile, [AgeRecipient.Parse(Key.Recipient)]))
        {
            foreach (var (at, bytes) in writes)
            {
                plain.Position = at;
                plain.Write(bytes);
                age.Position = at;
                age.Write(bytes);
            }

            Assert.Equal(plain.Length, age.Length);
            age.Finish();
        }

        var sealedBytes = sealedFile.ToArray();
        using var file = AgeFile.Open(new MemoryFile(sealedBytes, "s.age"), [Key.Identity]);
        var decrypted = new byte[file.Length];
        file.Read(0, decrypted);
        return (plain.ToArray(), decrypted, sealedBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(5 * 65536)]
    [InlineData(1_000_003)]
    public void Written_in_order_it_is_what_the_streaming_writer_writes(int length)
    {
        var bytes = AgeRoundTripTests.Plaintext(length, 5);
        var (plain, decrypted, sealedBytes) = Replay([(0, bytes)]);
        Assert.Equal(plain, decrypted);

        // Same length as age's own streaming layout: header, nonce, full chunks, a last chunk.
        var streamed = AgeRoundTripTests.Encrypt(bytes, Key.Recipient);
        Assert.Equal(streamed.Length, sealedBytes.Length);
    }

    [Fact]
    public void Rewrites_holes_and_many_cursors_decrypt_to_the_plain_file()
    {
        var random = new Random(7);
        var writes = new List<(long, byte[])>
        {
            (0, AgeRoundTripTests.Plaintext(4096, 1)),      // a header, rewritten at the end
            (3 * 65536, AgeRoundTripTests.Plaintext(70_000, 2)), // after a hole of whole chunks
        };

        // More cursors than chunks kept open, each moving forward, interleaved: chunks are sealed and read back.
        var cursors = Enumerable.Range(0, AgeSeekableWriteStream.OpenChunks + 5).Select(i => (long)(400_000 + (i * 300_000))).ToArray();
        for (var round = 0; round < 40; round++)
        {
            var c = random.Next(cursors.Length);
            var bytes = AgeRoundTripTests.Plaintext(random.Next(1, 40_000), round);
            writes.Add((cursors[c], bytes));
            cursors[c] += bytes.Length + random.Next(0, 3) * 1000;
        }

        writes.Add((10, AgeRoundTripTests.Plaintext(100, 9)));
        writes.Add((65530, AgeRoundTripTests.Plaintext(12, 10))); // across a chunk boundary, over written bytes
        var (plain, decrypted, _) = Replay(writes);
        Assert.Equal(plain, decrypted);
    }

    [Fact]
    public void An_end_written_early_and_a_shorter_last_write_keep_the_furthest_end()
    {
        var (plain, decrypted, _) = Replay([(200_000, [1, 2, 3]), (0, AgeRoundTripTests.Plaintext(1000, 3))]);
        Assert.Equal(200_003, plain.Length);
        Assert.Equal(plain, decrypted);
    }

    [Fact]
    public void A_file_never_finished_reads_as_truncated()
    {
        using var sealedFile = new MemoryStream();
        using (var age = new AgeSeekableWriteStream(sealedFile, [AgeRecipient.Parse(Key.Recipient)]))
        {
            age.Write(AgeRoundTripTests.Plaintext(30 * 65536));
        }

        Assert.ThrowsAny<NkdumpException>(() => AgeFile.Open(new MemoryFile(sealedFile.ToArray(), "s.age"), [Key.Identity]).Dispose());
    }
}
