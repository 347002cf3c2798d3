using Nkdump.Formats;

namespace Nkdump.Capture.Tests;

internal static class DumpAssert
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void OwnerOnlyMode(string path) => Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));

    /// <summary>Every page frame reads the same (or fails the same way) in both dumps.</summary>
    public static void SamePages(string expectedPath, string actualPath)
    {
        using var expected = DumpOpener.Open(expectedPath);
        using var actual = DumpOpener.Open(actualPath);
        Assert.Equal(expected.Memory.MaxPfn, actual.Memory.MaxPfn);
        var a = new byte[expected.Memory.PageSize];
        var b = new byte[expected.Memory.PageSize];
        long read = 0;
        for (ulong pfn = 0; pfn < expected.Memory.MaxPfn; pfn++)
        {
            var okA = expected.Memory.TryRead(pfn * (ulong)a.Length, a, out _);
            var okB = actual.Memory.TryRead(pfn * (ulong)b.Length, b, out _);
            Assert.True(okA == okB, $"pfn 0x{pfn:x}: readable {okA} in {expectedPath}, {okB} in {actualPath}");
            if (okA)
            {
                Assert.True(a.AsSpan().SequenceEqual(b), $"pfn 0x{pfn:x} differs");
                read++;
            }
        }

        Assert.True(read > 1000, $"only {read} pages readable");
    }
}
