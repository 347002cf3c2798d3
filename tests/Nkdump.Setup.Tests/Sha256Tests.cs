using System.Text;
using Nkdump.Formats.IO;
using Nkdump.Setup.Files;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

public class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void KnownVectors(string text, string digest) => Assert.Equal(digest, Sha256.HashHex(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void AgreesWithSha256sumOnFilesAndEveryBlockBoundary()
    {
        var dir = Directory.CreateTempSubdirectory("nkdump-sha-").FullName;
        try
        {
            var random = new Random(42);
            foreach (var size in new[] { 55, 56, 63, 64, 65, 119, 120, 128, 1000, 70_000 })
            {
                var bytes = new byte[size];
                random.NextBytes(bytes);
                var path = Path.Combine(dir, $"f{size}");
                File.WriteAllBytes(path, bytes);
                var expected = ExternalTool.Run("sha256sum", [path]).StandardOutput.Split(' ')[0];
                Assert.Equal(expected, Sha256.HashHex(bytes));
                using var stream = File.OpenRead(path);
                Assert.Equal(expected, Sha256.HashHex(stream));
            }

            var real = ExternalTool.Run("sha256sum", ["/usr/bin/cpio"]).StandardOutput.Split(' ')[0];
            using var cpio = File.OpenRead("/usr/bin/cpio");
            Assert.Equal(real, Sha256.HashHex(cpio));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
