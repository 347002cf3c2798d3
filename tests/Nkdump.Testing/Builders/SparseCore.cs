using Nkdump.Formats;
using Xunit;

namespace Nkdump.Testing.Builders;

/// <summary>
/// A 20 KiB ELF core with memory at both ends of a large physical address space (issue 17, finding
/// 2): 16 KiB at 1 MiB and one page just below <c>high</c>, as a sparse memory map (NVDIMM, CXL
/// windows) or a hostile program header puts it.
/// </summary>
internal static class SparseCore
{
    public const ulong LowAddress = 0x100000;

    public static readonly byte[] Low = Random(0x4000, 1);

    public static readonly byte[] Top = Random(0x1000, 2);

    /// <summary>Writes the core with its top page at <paramref name="high"/> - 4 KiB; returns its path.</summary>
    public static string Write(TempDirectory dir, ulong high) =>
        dir.Write("core", new ElfCoreBuilder().Load(LowAddress, Low).Load(high - 0x1000, Top).Build());

    /// <summary>Both parts read back from the dump file <paramref name="path"/> with their bytes.</summary>
    public static void AssertHoldsBoth(string path, ulong high)
    {
        using var dump = DumpOpener.Open(path);
        var low = new byte[Low.Length];
        var top = new byte[Top.Length];
        Assert.True(dump.Memory.TryRead(LowAddress, low, out var failure), failure.ToString());
        Assert.True(dump.Memory.TryRead(high - 0x1000, top, out failure), failure.ToString());
        Assert.Equal(Low, low);
        Assert.Equal(Top, top);
    }

    private static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
