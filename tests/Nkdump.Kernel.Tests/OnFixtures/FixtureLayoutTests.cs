using Nkdump.Kernel.Memory;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

/// <summary>The layout worked out from each real dump, checked against its ELF program headers (the capture kernel's view).</summary>
public class FixtureLayoutTests
{
    // From expected/inspect.vmcore.elf.txt: the direct-map PT_LOADs say vaddr - paddr = page_offset_base.
    [Theory]
    [InlineData("debian-6.1.0-56-amd64", 0xffff8a8dc0000000UL, 0xa00000UL)]
    [InlineData("debian-6.12.117-amd64", 0xffff8bf800000000UL, 0x24400000UL)]
    public void LayoutMatchesTheProgramHeaders(string fixture, ulong pageOffsetBase, ulong kernelOffset)
    {
        using var f = FixtureKernel.Open(fixture);
        var layout = f.Kernel.Layout;
        Assert.Equal(kernelOffset, layout.KernelOffset);
        Assert.Equal(pageOffsetBase, layout.PageOffsetBase);
        Assert.Equal(LayoutSource.Derived, layout.PageOffsetBaseSource);
        Assert.False(layout.FiveLevel);

        // With kallsyms the bases come from the kernel's own variables, and agree.
        Assert.NotNull(f.Kernel.Symbols);
        Assert.Equal(pageOffsetBase, f.Kernel.Layout.PageOffsetBase);
        Assert.Equal(LayoutSource.KernelVariable, f.Kernel.Layout.PageOffsetBaseSource);
        Assert.Equal(LayoutSource.KernelVariable, f.Kernel.Layout.VmemmapBaseSource);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void PhysBaseSearchFindsVmcoreInfosValue(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var info = f.Kernel.VmcoreInfo;
        var found = PhysBaseSearch.Find(f.Dump.Memory, info.Symbol("init_top_pgt")!.Value, false, 0, X86_64Constants.DefaultKernelImageSize);
        Assert.Equal((ulong)info.Number("phys_base")!.Value, found);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void LinearRegionsAgreeWithThePageTables(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var layout = f.Kernel.Layout;
        var walked = new X86_64Translator(f.Dump.Memory, layout, useLinearRegions: false);
        var info = f.Kernel.VmcoreInfo;
        foreach (var va in new[] { info.Symbol("prb")!.Value, info.Symbol("init_uts_ns")!.Value, info.Symbol("_stext")!.Value, info.Symbol("mem_section")!.Value })
        {
            Assert.True(f.Kernel.Translator.TryTranslate(va, out var fast, out _));
            Assert.True(walked.TryTranslate(va, out var slow, out var failure), failure.ToString());
            Assert.Equal(slow.PhysicalAddress, fast.PhysicalAddress);
        }
    }

    /// <summary>vmemmap_base (from the kernel variable) maps a struct page for every page frame the dump has.</summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void VmemmapCoversEveryRange(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        Assert.NotNull(f.Kernel.Symbols);
        var layout = f.Kernel.Layout;
        var pageStructSize = (ulong)f.Kernel.VmcoreInfo.Size("page")!.Value;
        Span<ulong> pages = stackalloc ulong[8];
        foreach (var range in f.Dump.Memory.Ranges)
        {
            // A run of struct pages from the range's start translates as a batch...
            Assert.Equal(pages.Length, f.Kernel.Translator.TranslatePages(layout.VmemmapBase + (range.StartPfn * pageStructSize), pages));

            // ...and the first and last page frames' struct pages are readable.
            foreach (var pfn in new[] { range.StartPfn, range.EndPfn - 1 })
            {
                var structPage = layout.VmemmapBase + (pfn * pageStructSize);
                Assert.True(f.Kernel.Memory.TryRead(structPage, new byte[pageStructSize], out var failure), failure.ToString());
            }
        }
    }
}
