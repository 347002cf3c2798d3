using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Kernel.Symbols;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel.Memory;

/// <summary>
/// Works out an x86_64 kernel's address-space layout from the dump alone, in this order of trust:
/// VMCOREINFO, then the kernel's own variables (through a symbol table, e.g. kallsyms), then a
/// derivation from memory, then the compile-time default.
/// </summary>
internal static class X86_64LayoutDetector
{
    /// <summary>
    /// The layout from VMCOREINFO and memory. Pass <paramref name="symbols"/> (kallsyms, System.map)
    /// to read page_offset_base, vmalloc_base and vmemmap_base from the kernel's variables
    /// (CONFIG_RANDOMIZE_MEMORY, 4.8+); without it those come from VMCOREINFO, a derivation, or defaults.
    /// Pass <paramref name="physBase"/> when it is known already (see <see cref="PhysBaseFinder"/>).
    /// </summary>
    public static X86_64Layout Detect(IPhysicalMemory memory, VmcoreInfo info, ISymbolTable? symbols = null, PhysBaseFact? physBase = null)
    {
        var fiveLevel = info.Number("pgtable_l5_enabled") is 1;

        var top = TopTable(info)
            ?? throw new NkdumpException("VMCOREINFO has none of SYMBOL(init_top_pgt), SYMBOL(init_level4_pgt) and SYMBOL(swapper_pg_dir): cannot find the kernel page tables");

        // KERNELOFFSET is in VMCOREINFO since 3.15 (x86 KASLR). Without it, _stext's slide from its default link address.
        ulong kernelOffset;
        LayoutSource kernelOffsetSource;
        if (info.KernelOffset is { } ko)
        {
            (kernelOffset, kernelOffsetSource) = (ko, LayoutSource.VmcoreInfo);
        }
        else if (info.Symbol("_stext") is { } stext)
        {
            (kernelOffset, kernelOffsetSource) = (unchecked(stext - DefaultStext), LayoutSource.Derived);
        }
        else
        {
            (kernelOffset, kernelOffsetSource) = (0, LayoutSource.Default);
        }

        var imageSize = info.Number("KERNEL_IMAGE_SIZE") is { } size and > 0 ? (ulong)size : DefaultKernelImageSize;
        var smeMask = info.Number("sme_mask") is { } sme ? (ulong)sme : 0;

        // phys_base from the one place that works it out, unless the caller already has it.
        physBase ??= PhysBaseFinder.Find(memory, info, textSegment: null);

        var layout = new X86_64Layout
        {
            KernelOffset = kernelOffset,
            KernelOffsetSource = kernelOffsetSource,
            PhysBase = physBase.Value,
            PhysBaseSource = physBase.Source,
            KernelImageSize = imageSize,
            FiveLevel = fiveLevel,
            TopTableVirtualAddress = top,
            SmeMask = smeMask,
            PageOffsetBase = fiveLevel ? DefaultPageOffset5Level : DefaultPageOffset4Level,
            PageOffsetBaseSource = LayoutSource.Default,
            VmallocBase = fiveLevel ? DefaultVmallocBase5Level : DefaultVmallocBase4Level,
            VmallocBaseSource = LayoutSource.Default,
            VmemmapBase = fiveLevel ? DefaultVmemmapBase5Level : DefaultVmemmapBase4Level,
            VmemmapBaseSource = LayoutSource.Default,
        };

        // From here on only the text map and the page tables are needed to read variables.
        var walker = new X86_64PageTableWalker(memory, layout.TopTablePhysicalAddress, fiveLevel, smeMask);

        if (ReadTextVariable(memory, layout, symbols, "page_offset_base") is { } pob)
        {
            layout = layout with { PageOffsetBase = pob, PageOffsetBaseSource = LayoutSource.KernelVariable };
        }
        else if (DirectMapFromPointer(walker, info.Symbol("mem_section")) is { } derived)
        {
            layout = layout with { PageOffsetBase = derived, PageOffsetBaseSource = LayoutSource.Derived };
        }

        if (ReadTextVariable(memory, layout, symbols, "vmalloc_base") is { } vb)
        {
            layout = layout with { VmallocBase = vb, VmallocBaseSource = LayoutSource.KernelVariable };
        }
        else if (info.Number("VMALLOC_START") is { } vs)
        {
            // NUMBER(VMALLOC_START) since 6.3-ish (exported for makedumpfile's vmalloc range check).
            layout = layout with { VmallocBase = (ulong)vs, VmallocBaseSource = LayoutSource.VmcoreInfo };
        }

        if (ReadTextVariable(memory, layout, symbols, "vmemmap_base") is { } vmb)
        {
            layout = layout with { VmemmapBase = vmb, VmemmapBaseSource = LayoutSource.KernelVariable };
        }
        else if (info.Symbol("vmemmap") is { } vm)
        {
            // VMCOREINFO_SYMBOL_ARRAY(vmemmap): the value of the vmemmap pointer itself.
            layout = layout with { VmemmapBase = vm, VmemmapBaseSource = LayoutSource.VmcoreInfo };
        }

        return layout;
    }

    /// <summary>
    /// The virtual address of the kernel's top page table as VMCOREINFO names it: SYMBOL(init_top_pgt)
    /// since 4.13, SYMBOL(init_level4_pgt) before (commit 65ade2f872b4, "x86/boot/64: Rename
    /// init_level4_pgt and early_level4_pgt", renamed it for 5-level paging; RHEL 7's 3.10 and SLES 12's
    /// 4.4 export the old name), or SYMBOL(swapper_pg_dir), which names the same table. Null when none.
    /// </summary>
    public static ulong? TopTable(VmcoreInfo info) =>
        info.Symbol("init_top_pgt") ?? info.Symbol("init_level4_pgt") ?? info.Symbol("swapper_pg_dir");

    /// <summary>
    /// A direct-map pointer the kernel published (SYMBOL(mem_section) is the value of the
    /// mem_section pointer, memory from memblock) tells page_offset_base: the direct map is
    /// linear, so base = V - translate(V). With KASLR the base is 1 GiB aligned; anything else is rejected.
    /// </summary>
    private static ulong? DirectMapFromPointer(X86_64PageTableWalker walker, ulong? pointer)
    {
        if (pointer is not { } v || !walker.TryTranslate(v, out var t, out _) || t.PhysicalAddress > v)
        {
            return null;
        }

        var baseAddress = v - t.PhysicalAddress;
        return (baseAddress & (Size1G - 1)) == 0 && baseAddress < StartKernelMap ? baseAddress : null;
    }

    private static ulong? ReadTextVariable(IPhysicalMemory memory, X86_64Layout layout, ISymbolTable? symbols, string name)
    {
        if (symbols is null || !symbols.TryGetAddress(name, out var address) || !layout.IsKernelText(address))
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[8];
        return memory.TryRead(layout.TextToPhysical(address), buffer, out _) ? BinaryPrimitives.ReadUInt64LittleEndian(buffer) : null;
    }
}
