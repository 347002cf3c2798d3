using Nkdump.Formats;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Tests.Synthetic;

namespace Nkdump.Kernel.Tests;

public class PageTableWalkerTests
{
    // Each level's index is different, so a walk that used a wrong shift would land elsewhere.
    private const ulong Va4K = 0xffffc90012345000; // vmalloc-like
    private const ulong Top = 0x100000;
    private const ulong Tables = 0x200000;

    private static (SparsePhysicalMemory Memory, PageTableBuilder Tables) Build(bool fiveLevel = false)
    {
        var memory = new SparsePhysicalMemory(maxPfn: 0x100000); // 4 GiB
        return (memory, new PageTableBuilder(memory, Top, Tables, fiveLevel));
    }

    [Fact]
    public void FourLevelWalkUsesEachLevelsIndex()
    {
        var (memory, tables) = Build();
        tables.Map4K(Va4K, 0x5000_0000);
        memory.Write(0x5000_0000 + 0x10, "hello"u8);

        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        Assert.True(walker.TryTranslate(Va4K + 0x10, out var t, out _));
        Assert.Equal(0x5000_0010UL, t.PhysicalAddress);
        Assert.Equal(4096UL - 0x10, t.ContiguousBytes);

        // The neighbour page shares PGD, PUD and PMD but has no PTE.
        Assert.False(walker.TryTranslate(Va4K + 0x1000, out _, out var failure));
        Assert.Equal(TranslationFailureKind.NotPresent, failure.Kind);
        Assert.Equal(1, failure.Level);
    }

    [Theory]
    [InlineData(4)] // no PGD entry
    [InlineData(3)] // PGD present, no PUD entry
    [InlineData(2)] // PUD present, no PMD entry
    [InlineData(1)] // PMD present, no PTE
    public void NonPresentEntryNamesItsLevel(int missingLevel)
    {
        var (memory, tables) = Build();
        if (missingLevel < 4)
        {
            // Create the tables down to the missing level, leaving its entry empty.
            tables.TableFor(Va4K, missingLevel);
        }

        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        Assert.False(walker.TryTranslate(Va4K, out _, out var failure));
        Assert.Equal(TranslationFailureKind.NotPresent, failure.Kind);
        Assert.Equal(missingLevel, failure.Level);
        Assert.Contains("0xffffc90012345000", failure.ToString());
        Assert.Contains(TranslationFailure.LevelName(missingLevel), failure.ToString());
    }

    [Fact]
    public void FiveLevelWalkStartsAtPml5()
    {
        var (memory, tables) = Build(fiveLevel: true);
        const ulong va = 0xff11_2345_6789_a000; // 5-level direct-map-like address with a non-zero PML5 index
        tables.Map4K(va, 0x7000_0000);
        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: true);
        Assert.True(walker.TryTranslate(va + 8, out var t, out _));
        Assert.Equal(0x7000_0008UL, t.PhysicalAddress);

        // The same address with 4-level paging is not canonical.
        var four = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        Assert.False(four.TryTranslate(va, out _, out var failure));
        Assert.Equal(TranslationFailureKind.NotCanonical, failure.Kind);

        // Under 5-level paging the PML5 entry is what is missing for another top index.
        Assert.False(walker.TryTranslate(0xfe00_0000_0000_0000, out _, out failure));
        Assert.Equal(5, failure.Level);
    }

    [Fact]
    public void TwoMegabytePage()
    {
        var (memory, tables) = Build();
        const ulong va = 0xffffea0000200000; // vmemmap-like, 2 MiB aligned
        tables.Map2M(va, 0x4000_0000);
        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        Assert.True(walker.TryTranslate(va + 0x12_3456, out var t, out _));
        Assert.Equal(0x4012_3456UL, t.PhysicalAddress);
        Assert.Equal(0x20_0000UL - 0x12_3456, t.ContiguousBytes);
    }

    [Fact]
    public void OneGigabytePage()
    {
        var (memory, tables) = Build();
        const ulong va = 0xffff888040000000; // direct-map-like, 1 GiB aligned
        tables.Map1G(va, 0x8000_0000);
        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        Assert.True(walker.TryTranslate(va + 0x1234_5678, out var t, out _));
        Assert.Equal(0x9234_5678UL, t.PhysicalAddress);
        Assert.Equal(0x4000_0000UL - 0x1234_5678, t.ContiguousBytes);
    }

    [Fact]
    public void UnreadableTablePageSaysWhichTableAndItsState()
    {
        var (memory, tables) = Build();
        tables.Map4K(Va4K, 0x5000_0000);
        var pteTable = tables.TableFor(Va4K, 1);
        memory.Exclude(pteTable);

        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        Assert.False(walker.TryTranslate(Va4K, out _, out var failure));
        Assert.Equal(TranslationFailureKind.TableUnreadable, failure.Kind);
        Assert.Equal(1, failure.Level);
        Assert.Equal(PageState.Excluded, failure.Physical.State);
        Assert.Contains("excluded", failure.ToString());
    }

    [Fact]
    public void TablePagesAreReadOncePerTable()
    {
        var (memory, tables) = Build();
        for (var i = 0UL; i < 64; i++)
        {
            tables.Map4K(Va4K + (i * 4096), 0x5000_0000 + (i * 4096));
        }

        var walker = new X86_64PageTableWalker(memory, Top, fiveLevel: false);
        var before = memory.Reads;
        Span<ulong> physical = stackalloc ulong[64];
        Assert.Equal(64, walker.TranslatePages(Va4K, physical));
        Assert.Equal(0x5000_0000UL + (63 * 4096), physical[63]);
        Assert.Equal(4, memory.Reads - before); // PGD, PUD, PMD, PTE tables, each once
    }
}
