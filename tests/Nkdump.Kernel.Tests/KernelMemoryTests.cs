using Nkdump.Formats;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Tests.Synthetic;

namespace Nkdump.Kernel.Tests;

public class KernelMemoryTests
{
    private const ulong Top = 0x100000;

    private static (SparsePhysicalMemory Memory, PageTableBuilder Tables, KernelMemory Kernel) Build()
    {
        var memory = new SparsePhysicalMemory(maxPfn: 0x100000);
        var tables = new PageTableBuilder(memory, Top, 0x200000, fiveLevel: false);
        var kernel = new KernelMemory(memory, new X86_64PageTableWalker(memory, Top, fiveLevel: false));
        return (memory, tables, kernel);
    }

    [Fact]
    public void ReadsAcrossPagesThatAreNotPhysicallyAdjacent()
    {
        var (memory, tables, kernel) = Build();
        const ulong va = 0xffffc90000000000;
        tables.Map4K(va, 0x3000_0000);
        tables.Map4K(va + 4096, 0x1000_0000); // below the first: the read must translate per page
        memory.Write(0x3000_0000 + 4092, [1, 2, 3, 4]);
        memory.Write(0x1000_0000, [5, 6, 7, 8]);

        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, kernel.ReadBytes(va + 4092, 8));
        Assert.Equal(0x0807060504030201UL, kernel.ReadPointer(va + 4092));
        Assert.Equal(0x04030201U, kernel.ReadUInt32(va + 4092));
    }

    [Fact]
    public void ExcludedPageFailsWithTheVirtualAddressAndState()
    {
        var (memory, tables, kernel) = Build();
        const ulong va = 0xffffc90000000000;
        tables.Map4K(va, 0x3000_0000);
        tables.Map4K(va + 4096, 0x3000_1000);
        memory.Write(0x3000_0000, new byte[4096]);
        memory.Write(0x3000_1000, new byte[4096]);
        memory.Exclude(0x3000_1000);

        var buffer = new byte[8192];
        Assert.False(kernel.TryRead(va, buffer, out var failure));
        Assert.Equal(va + 4096, failure.VirtualAddress);
        Assert.Equal(PageState.Excluded, failure.PageState);

        var e = Assert.Throws<KernelReadException>(() => kernel.ReadBytes(va + 4000, 200, "the log buffer"));
        Assert.Contains("the log buffer", e.Message);
        Assert.Contains("0xffffc90000001000", e.Message);
        Assert.Contains("excluded from the dump", e.Message);

        // The readable prefix is still available.
        Assert.Equal(4096, kernel.TryReadPrefix(va, buffer, out _));
    }

    [Fact]
    public void PageNotInDumpIsNotZeros()
    {
        var (_, tables, kernel) = Build();
        const ulong va = 0xffffc90000000000;
        tables.Map4K(va, 0x3000_0000); // mapped, but the data page was never written
        var e = Assert.Throws<KernelReadException>(() => kernel.ReadPointer(va));
        Assert.Equal(PageState.NotInDump, e.Failure.PageState);
        Assert.Contains("not in the dump", e.Message);
    }

    [Fact]
    public void UnmappedAddressSaysNotMapped()
    {
        var (_, _, kernel) = Build();
        var e = Assert.Throws<KernelReadException>(() => kernel.ReadUInt32(0xffffc90000000000, "prb"));
        Assert.Contains("not mapped", e.Message);
        Assert.Null(e.Failure.PageState);
    }

    [Fact]
    public void CStringStopsAtNulAndBeforeAnUnreadablePage()
    {
        var (memory, tables, kernel) = Build();
        const ulong va = 0xffffc90000000000;
        tables.Map4K(va, 0x3000_0000);
        memory.Write(0x3000_0000 + 4090, "abcde\0"u8);
        Assert.Equal("abcde", kernel.ReadCString(va + 4090));
    }
}
