using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Nkdump.Formats.Age;
using Nkdump.Formats.IO;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests.Age;

/// <summary>
/// The C2SP age test vectors (testkit/README.md) for what nkdump implements: X25519 stanzas, the
/// header and its MAC, the STREAM payload. A success must decrypt to the payload's SHA-256; every
/// other expectation (no match, HMAC, header or payload failure) must fail to open.
/// </summary>
public sealed class AgeVectorTests
{
    private static string Folder => Path.Combine(RepoPaths.Root, "tests", "Nkdump.Formats.Tests", "Age", "testkit");

    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Vector(string name)
    {
        var (keys, age) = Read(Path.Combine(Folder, name));
        var identities = keys.Where(k => k.Key == "identity").Select(k => k.Value).ToList();
        if (keys.Any(k => k.Key is "passphrase" || (k.Key == "armored" && k.Value == "yes")) || identities.Count == 0
            || identities.Any(i => !i.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal)))
        {
            return; // scrypt, armor, hybrid: not implemented, as the vectors' README allows.
        }

        var expect = keys.First(k => k.Key == "expect").Value;
        var parsed = identities.SelectMany(i => AgeIdentity.Parse(i, name)).ToList();
        var file = new MemoryFile(age, name);
        if (expect == "success")
        {
            using var opened = AgeFile.Open(file, parsed);
            var plain = new byte[opened.Length];
            opened.Read(0, plain);
            Assert.Equal(keys.First(k => k.Key == "payload").Value, Convert.ToHexStringLower(SHA256.HashData(plain)));
        }
        else
        {
            var e = Assert.ThrowsAny<NkdumpException>(() => AgeFile.Open(file, parsed).Dispose());
            Assert.Contains(name, e.Message, StringComparison.Ordinal);
        }
    }

    private static (List<KeyValuePair<string, string>> Keys, byte[] Age) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var split = bytes.AsSpan().IndexOf("\n\n"u8);
        var keys = Encoding.ASCII.GetString(bytes, 0, split).Split('\n')
            .Select(line => line.Split(": ", 2))
            .Select(kv => new KeyValuePair<string, string>(kv[0], kv[1]))
            .ToList();
        var age = bytes[(split + 2)..];
        if (keys.Any(k => k.Key == "compressed" && k.Value == "zlib"))
        {
            using var inflate = new ZLibStream(new MemoryStream(age), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            inflate.CopyTo(plain);
            age = plain.ToArray();
        }

        return (keys, age);
    }
}
