using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Tests.Synthetic;

namespace Nkdump.Kernel.Tests;

/// <summary>KASLR: the text map shifted by phys_base, the direct map at a randomized base, and phys_base found when VMCOREINFO lacks it.</summary>
public class LayoutTests
{
    private const ulong KernelOffset = 0x2a400000;
    private const ulong PhysBase = 0x0c000000; // the image's physical load address minus its link offset
    private const ulong TopVirtual = 0xffffffff83410000 + KernelOffset;
    private const ulong PageOffsetBase = 0xffff9a5c40000000; // randomized, 1 GiB aligned
    private const ulong MemSectionPhysical = 0x1ffd4000;

    private static ulong TextPhysical(ulong va) => va - X86_64Constants.StartKernelMap + PhysBase;

    /// <summary>A small kernel: page tables in the image mapping the image (2 MiB pages) and the direct map (1 GiB page).</summary>
    private static SparsePhysicalMemory BuildKernel(bool fiveLevel = false, ulong pageOffsetBase = PageOffsetBase)
    {
        var memory = new SparsePhysicalMemory(maxPfn: 0x40000); // 1 GiB
        var tables = new PageTableBuilder(memory, TextPhysical(TopVirtual), TextPhysical(TopVirtual) + 0x1000, fiveLevel);
        for (ulong va = 0xffffffff81000000 + KernelOffset; va < 0xffffffff84000000 + KernelOffset; va += X86_64Constants.Size2M)
        {
            tables.Map2M(va, TextPhysical(va));
        }

        tables.Map1G(pageOffsetBase, 0);
        memory.Write(MemSectionPhysical, new byte[4096]);
        return memory;
    }

    private static VmcoreInfo Info(bool withPhysBase, bool fiveLevel = false, ulong pageOffsetBase = PageOffsetBase) => VmcoreInfo.Parse(Encoding.ASCII.GetBytes(
        $"OSRELEASE=6.1.0\nSYMBOL(init_top_pgt)={TopVirtual:x}\nSYMBOL(mem_section)={pageOffsetBase + MemSectionPhysical:x}\n" +
        $"KERNELOFFSET={KernelOffset:x}\nNUMBER(pgtable_l5_enabled)={(fiveLevel ? 1 : 0)}\n" +
        (withPhysBase ? $"NUMBER(phys_base)={PhysBase}\n" : "")));

    [Fact]
    public void LayoutFromVmcoreInfoAndDerivedDirectMap()
    {
        var memory = BuildKernel();
        var layout = X86_64LayoutDetector.Detect(memory, Info(withPhysBase: true));
        Assert.Equal(KernelOffset, layout.KernelOffset);
        Assert.Equal(PhysBase, layout.PhysBase);
        Assert.Equal(LayoutSource.VmcoreInfo, layout.PhysBaseSource);
        Assert.Equal(PageOffsetBase, layout.PageOffsetBase);
        Assert.Equal(LayoutSource.Derived, layout.PageOffsetBaseSource);
        Assert.Equal(TextPhysical(TopVirtual), layout.TopTablePhysicalAddress);
    }

    [Fact]
    public void PhysBaseIsFoundBySearchingForSelfMappedTopTable()
    {
        var memory = BuildKernel();
        var layout = X86_64LayoutDetector.Detect(memory, Info(withPhysBase: false));
        Assert.Equal(PhysBase, layout.PhysBase);
        Assert.Equal(LayoutSource.Derived, layout.PhysBaseSource);
    }

    [Fact]
    public void TextMapAndDirectMapAgreeWithThePageTables()
    {
        var memory = BuildKernel();
        var layout = X86_64LayoutDetector.Detect(memory, Info(withPhysBase: true));
        var fast = new X86_64Translator(memory, layout);
        var walked = new X86_64Translator(memory, layout, useLinearRegions: false);
        foreach (var va in new[] { TopVirtual, TopVirtual + 0x1234, 0xffffffff81000000 + KernelOffset, PageOffsetBase + MemSectionPhysical + 8 })
        {
            Assert.True(fast.TryTranslate(va, out var a, out _));
            Assert.True(walked.TryTranslate(va, out var b, out _));
            Assert.Equal(b.PhysicalAddress, a.PhysicalAddress);
        }

        memory.Write(TextPhysical(TopVirtual) + 0x800, BitConverter.GetBytes(0x1122334455667788UL));
        var kernel = new KernelMemory(memory, fast);
        Assert.Equal(0x1122334455667788UL, kernel.ReadPointer(TopVirtual + 0x800));
    }

    [Fact]
    public void FiveLevelKernelWithItsLayout()
    {
        const ulong base5 = 0xff34_5600_0000_0000; // a randomized 5-level direct map, 1 GiB aligned
        var memory = BuildKernel(fiveLevel: true, pageOffsetBase: base5);
        var layout = X86_64LayoutDetector.Detect(memory, Info(withPhysBase: false, fiveLevel: true, pageOffsetBase: base5));
        Assert.True(layout.FiveLevel);
        Assert.Equal(PhysBase, layout.PhysBase); // the search walks 5 levels too
        Assert.Equal(base5, layout.PageOffsetBase);
        Assert.Equal(X86_64Constants.DefaultVmemmapBase5Level, layout.VmemmapBase);

        var walked = new X86_64Translator(memory, layout, useLinearRegions: false);
        Assert.True(walked.TryTranslate(base5 + MemSectionPhysical, out var t, out _));
        Assert.Equal(MemSectionPhysical, t.PhysicalAddress);
    }

    [Fact]
    public void MissingTopTableSymbolIsAClearError()
    {
        var memory = BuildKernel();
        var e = Assert.Throws<NkdumpException>(() => X86_64LayoutDetector.Detect(memory, VmcoreInfo.Parse("OSRELEASE=6.1\n"u8)));
        Assert.Contains("init_top_pgt", e.Message);
    }
}
