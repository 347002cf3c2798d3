using Nkdump.Formats.Age;
using Nkdump.Formats.IO;

namespace Nkdump.Formats.Tests.Age;

/// <summary>nkdump's age writer read back by its reader: sizes around the 64 KiB chunk, random access, several recipients, wrong keys.</summary>
public sealed class AgeRoundTripTests
{
    internal static byte[] Plaintext(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static byte[] Encrypt(byte[] plain, params string[] recipients)
    {
        using var output = new MemoryStream();
        using (var age = new AgeWriteStream(output, [.. recipients.Select(AgeRecipient.Parse)], leaveOpen: true))
        {
            // Uneven writes, as the dump writers make them.
            for (var at = 0; at < plain.Length; at += 7000)
            {
                age.Write(plain.AsSpan(at, Math.Min(7000, plain.Length - at)));
            }

            age.Finish();
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(3 * 65536)]
    [InlineData(200_000)]
    public void Writes_what_the_reader_decrypts_at_every_length(int length)
    {
        var (identity, _, recipient) = AgeIdentity.GenerateX25519();
        var plain = Plaintext(length);
        using var file = AgeFile.Open(new MemoryFile(Encrypt(plain, recipient), "t.age"), [identity]);
        Assert.Equal(length, file.Length);
        var read = new byte[length];
        file.Read(0, read);
        Assert.Equal(plain, read);
    }

    [Fact]
    public void Reads_any_range_across_chunk_boundaries()
    {
        var (identity, _, recipient) = AgeIdentity.GenerateX25519();
        var plain = Plaintext(300_000, 2);
        using var file = AgeFile.Open(new MemoryFile(Encrypt(plain, recipient), "t.age"), [identity]);
        foreach (var (offset, length) in new[] { (65530, 20), (0, 1), (131071, 2), (299_999, 1), (10, 250_000), (196_608, 0) })
        {
            var part = new byte[length];
            file.Read(offset, part);
            Assert.Equal(plain.AsSpan(offset, length).ToArray(), part);
        }

        Assert.Throws<DumpFormatException>(() => file.Read(299_990, new byte[11]));
    }

    [Fact]
    public void Every_recipient_opens_the_file_and_another_key_does_not()
    {
        var a = AgeIdentity.GenerateX25519();
        var b = AgeIdentity.GenerateX25519();
        var stranger = AgeIdentity.GenerateX25519();
        var bytes = Encrypt(Plaintext(1000), a.Recipient, b.Recipient);
        AgeFile.Open(new MemoryFile(bytes, "t.age"), [a.Identity]).Dispose();
        AgeFile.Open(new MemoryFile(bytes, "t.age"), [b.Identity]).Dispose();
        var e = Assert.Throws<DumpFormatException>(() => AgeFile.Open(new MemoryFile(bytes, "t.age"), [stranger.Identity]));
        Assert.Contains("no identity given opens this file", e.Message, StringComparison.Ordinal);
        Assert.Contains("t.age", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_never_finished_reads_as_truncated()
    {
        var (identity, _, recipient) = AgeIdentity.GenerateX25519();
        using var output = new MemoryStream();
        using (var age = new AgeWriteStream(output, [AgeRecipient.Parse(recipient)], leaveOpen: true))
        {
            age.Write(Plaintext(100_000));
        }

        var e = Assert.Throws<DumpFormatException>(() => AgeFile.Open(new MemoryFile(output.ToArray(), "t.age"), [identity]));
        Assert.Contains("last chunk", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Identity_files_round_trip_through_bech32()
    {
        var (_, secret, recipient) = AgeIdentity.GenerateX25519();
        var identity = AgeIdentity.Parse($"# created: now\n# public key: {recipient}\n{secret}\n", "key.txt").Single();
        var plain = Plaintext(10);
        using var file = AgeFile.Open(new MemoryFile(Encrypt(plain, recipient), "t.age"), [identity]);
        var read = new byte[10];
        file.Read(0, read);
        Assert.Equal(plain, read);
    }

    [Fact]
    public void A_secret_key_given_as_a_recipient_is_refused_without_repeating_it()
    {
        var (_, secret, _) = AgeIdentity.GenerateX25519();
        var e = Assert.Throws<NkdumpException>(() => AgeRecipient.Parse(secret));
        Assert.DoesNotContain(secret[15..30], e.Message, StringComparison.Ordinal);
        Assert.Contains("SECRET", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("age1notakey")]
    [InlineData("ssh-ed25519 AAAA")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP")]
    [InlineData("")]
    public void Bad_recipients_are_refused(string text) =>
        Assert.Throws<NkdumpException>(() => AgeRecipient.Parse(text));
}
