namespace Nkdump.Kernel.Memory;

/// <summary>Where a layout value came from, so `info` can say how much to trust it.</summary>
public enum LayoutSource
{
    /// <summary>Read from the VMCOREINFO note.</summary>
    VmcoreInfo,

    /// <summary>Read from the kernel variable that holds it (found through the symbol table).</summary>
    KernelVariable,

    /// <summary>Worked out from the dump's memory (a search or a translated pointer).</summary>
    Derived,

    /// <summary>Read from the dump file's own headers (an ELF vmcore's kernel-text PT_LOAD).</summary>
    DumpHeader,

    /// <summary>The kernel's compile-time default, used because nothing in the dump said otherwise.</summary>
    Default,
}

/// <summary>
/// The x86_64 kernel address-space layout of one crashed kernel: everything needed to turn kernel
/// virtual addresses into physical ones. Built by <see cref="X86_64LayoutDetector"/>.
/// </summary>
public sealed record X86_64Layout
{
    /// <summary>KERNELOFFSET: the KASLR slide of the kernel image's virtual addresses.</summary>
    public required ulong KernelOffset { get; init; }

    public required LayoutSource KernelOffsetSource { get; init; }

    /// <summary>
    /// phys_base: physical address of the kernel image minus its link-time offset, so that a text
    /// address V lives at V - __START_KERNEL_map + phys_base. Can be "negative" (wraps as ulong).
    /// </summary>
    public required ulong PhysBase { get; init; }

    public required LayoutSource PhysBaseSource { get; init; }

    /// <summary>Size of the kernel text map (NUMBER(KERNEL_IMAGE_SIZE)).</summary>
    public required ulong KernelImageSize { get; init; }

    /// <summary>Whether 5-level paging was on (NUMBER(pgtable_l5_enabled)).</summary>
    public required bool FiveLevel { get; init; }

    /// <summary>Virtual address of init_top_pgt, the kernel's top-level page table.</summary>
    public required ulong TopTableVirtualAddress { get; init; }

    /// <summary>AMD SME encryption bit (NUMBER(sme_mask)), cleared from page-table addresses.</summary>
    public ulong SmeMask { get; init; }

    /// <summary>page_offset_base: start of the direct map of all physical memory.</summary>
    public required ulong PageOffsetBase { get; init; }

    public required LayoutSource PageOffsetBaseSource { get; init; }

    public required ulong VmallocBase { get; init; }

    public required LayoutSource VmallocBaseSource { get; init; }

    /// <summary>vmemmap_base: the struct page array, indexed by page frame number.</summary>
    public required ulong VmemmapBase { get; init; }

    public required LayoutSource VmemmapBaseSource { get; init; }

    /// <summary>Physical address of init_top_pgt (it lives in the kernel image).</summary>
    public ulong TopTablePhysicalAddress => TextToPhysical(TopTableVirtualAddress);

    public bool IsKernelText(ulong virtualAddress) =>
        virtualAddress - X86_64Constants.StartKernelMap < KernelImageSize;

    /// <summary>Physical address of a kernel text-map address (no range check).</summary>
    public ulong TextToPhysical(ulong virtualAddress) =>
        unchecked(virtualAddress - X86_64Constants.StartKernelMap + PhysBase);
}
