using Nkdump.Formats.Age;
using Nkdump.Formats.IO;

namespace Nkdump.Formats.Tests.Age;

/// <summary>
/// Mutations of an encrypted file: a flipped byte anywhere in the header or in any chunk, the file cut
/// at many offsets, bytes appended. Opening must always fail with an error that names the file, never
/// hand out plaintext.
/// </summary>
public sealed class AgeMutationTests
{
    private static readonly (AgeIdentity Identity, string Secret, string Recipient) Key = AgeIdentity.GenerateX25519();

    /// <summary>Three full chunks and a part of a fourth.</summary>
    private static readonly byte[] Encrypted = AgeRoundTripTests.Encrypt(AgeRoundTripTests.Plaintext((3 * 65536) + 5000, 3), Key.Recipient);

    private static void AssertRefused(byte[] bytes, string what)
    {
        var e = Assert.ThrowsAny<NkdumpException>(() => AgeFile.Open(new MemoryFile(bytes, "m.age"), [Key.Identity]).Dispose());
        Assert.True(e.Message.Contains("m.age", StringComparison.Ordinal), $"{what}: {e.Message}");
    }

    private static int HeaderLength => Encrypted.AsSpan().IndexOf("\n---"u8) + 48; // "--- " + 43 base64 + "\n"

    public static TheoryData<int> FlipOffsets()
    {
        var offsets = new SortedSet<int>();
        for (var i = 0; i < HeaderLength + 16; i++)
        {
            offsets.Add(i); // every header byte and the payload nonce
        }

        var payload = HeaderLength + 16;
        for (var at = payload; at < Encrypted.Length; at += 4099)
        {
            offsets.Add(at);
        }

        for (var chunk = 0; chunk < 4; chunk++)
        {
            var start = payload + (chunk * (65536 + 16));
            foreach (var delta in new[] { 0, 1, 65535, 65536, 65551 })
            {
                if (start + delta < Encrypted.Length)
                {
                    offsets.Add(start + delta); // first and last bytes, the tag
                }
            }
        }

        offsets.Add(Encrypted.Length - 1);
        var data = new TheoryData<int>();
        foreach (var offset in offsets)
        {
            data.Add(offset);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FlipOffsets))]
    public void A_flipped_byte_is_refused(int offset)
    {
        var bytes = (byte[])Encrypted.Clone();
        bytes[offset] ^= 0x01;
        AssertRefused(bytes, $"bit 0 flipped at {offset}");
        bytes[offset] ^= 0x81;
        AssertRefused(bytes, $"bit 7 flipped at {offset}");
    }

    [Fact]
    public void A_cut_file_is_refused_at_every_length()
    {
        var lengths = new SortedSet<int>();
        for (var length = 0; length < HeaderLength + 40; length++)
        {
            lengths.Add(length);
        }

        for (var length = HeaderLength; length < Encrypted.Length; length += 997)
        {
            lengths.Add(length);
        }

        for (var chunk = 1; chunk <= 3; chunk++)
        {
            var boundary = HeaderLength + 16 + (chunk * (65536 + 16));
            lengths.UnionWith([boundary - 1, boundary, boundary + 1, boundary + 16, boundary + 17]);
        }

        foreach (var length in lengths.Where(l => l < Encrypted.Length))
        {
            AssertRefused(Encrypted[..length], $"cut at {length}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(65552)]
    public void Appended_bytes_are_refused(int count) =>
        AssertRefused([.. Encrypted, .. new byte[count]], $"{count} bytes appended");

    [Fact]
    public void Swapped_chunks_are_refused()
    {
        var bytes = (byte[])Encrypted.Clone();
        var first = HeaderLength + 16;
        var second = first + 65552;
        bytes.AsSpan(first, 65552).CopyTo(bytes.AsSpan(second));
        Encrypted.AsSpan(second, 65552).CopyTo(bytes.AsSpan(first));
        AssertRefused(bytes, "chunks 0 and 1 swapped");
    }
}
