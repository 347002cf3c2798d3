using Nkdump.Formats.IO;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The collector's output file starts write-back every few MiB: the bytes, seeks and rewrites the
/// kdump writer makes (header first, rewritten at the end; descriptors between data) land as written.
/// </summary>
public sealed class EarlyWritebackStreamTests
{
    [Fact]
    public void WritesSeeksAndRewritesLandAsWrittenAcrossWritebackPoints()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "dump");
        var expected = new byte[(3 * EarlyWritebackStream.WritebackEveryBytes) + 12345];
        new Random(3).NextBytes(expected);
        using (var stream = new EarlyWritebackStream(new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 0)))
        {
            // Everything after a first block, in odd-sized writes, then the first block last (as the header is).
            stream.Position = 4096;
            for (var at = 4096; at < expected.Length; at += 777_777)
            {
                stream.Write(expected.AsSpan(at, Math.Min(777_777, expected.Length - at)));
            }

            stream.Position = 0;
            stream.Write(expected, 0, 4096);
            Assert.Equal(expected.Length, stream.Length);
            stream.FlushToDisk();
        }

        Assert.Equal(expected, File.ReadAllBytes(path));
    }
}
