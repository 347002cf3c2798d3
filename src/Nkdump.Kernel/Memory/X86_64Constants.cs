namespace Nkdump.Kernel.Memory;

/// <summary>
/// Fixed facts of the x86_64 kernel address space (arch/x86/include/asm/page_64_types.h,
/// pgtable_64_types.h, Documentation/arch/x86/x86_64/mm.rst). The randomized bases
/// (page_offset_base, vmalloc_base, vmemmap_base; CONFIG_RANDOMIZE_MEMORY, 4.8+) fall back to
/// these defaults only when the dump cannot tell.
/// </summary>
internal static class X86_64Constants
{
    /// <summary>__START_KERNEL_map: where the kernel image is mapped (the "text map").</summary>
    public const ulong StartKernelMap = 0xffffffff80000000;

    /// <summary>KERNEL_IMAGE_SIZE with KASLR (1 GiB); 512 MiB without. VMCOREINFO's NUMBER(KERNEL_IMAGE_SIZE) wins.</summary>
    public const ulong DefaultKernelImageSize = 1UL << 30;

    public const ulong DefaultPageOffset4Level = 0xffff888000000000;
    public const ulong DefaultPageOffset5Level = 0xff11000000000000;
    public const ulong DefaultVmallocBase4Level = 0xffffc90000000000;
    public const ulong DefaultVmallocBase5Level = 0xffa0000000000000;
    public const ulong DefaultVmemmapBase4Level = 0xffffea0000000000;
    public const ulong DefaultVmemmapBase5Level = 0xffd4000000000000;

    /// <summary>The link-time address of _stext with the default CONFIG_PHYSICAL_START (16 MiB).</summary>
    public const ulong DefaultStext = 0xffffffff81000000;

    /// <summary>Page-table entry bits (arch/x86/include/asm/pgtable_types.h).</summary>
    public const ulong EntryPresent = 1UL << 0;

    /// <summary>_PAGE_PSE: the PUD or PMD entry maps a 1 GiB or 2 MiB page itself.</summary>
    public const ulong EntryLargePage = 1UL << 7;

    /// <summary>Physical address bits 12..51 of an entry (__PHYSICAL_MASK_SHIFT is 52).</summary>
    public const ulong EntryAddressMask = 0x000ffffffffff000;

    public const ulong Size4K = 1UL << 12;
    public const ulong Size2M = 1UL << 21;
    public const ulong Size1G = 1UL << 30;
}
