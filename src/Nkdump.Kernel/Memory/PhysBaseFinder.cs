using Nkdump.Formats;
using Nkdump.Formats.Elf;

namespace Nkdump.Kernel.Memory;

/// <summary>phys_base and where it came from (see <see cref="X86_64Layout.PhysBase"/>).</summary>
public sealed record PhysBaseFact(ulong Value, LayoutSource Source);

/// <summary>
/// The one place that works out phys_base, the physical load address of the kernel image minus its
/// link-time offset: VMCOREINFO's NUMBER(phys_base) (x86_64, 4.10+, commit 401721ecd1dc; may be
/// "negative"), else the ELF vmcore's kernel-text PT_LOAD (what makedumpfile and crash use), else a
/// search of the dump's memory for the page tables (<see cref="PhysBaseSearch"/>; works on every
/// format, kernels before 4.10 included).
/// </summary>
public static class PhysBaseFinder
{
    /// <summary>phys_base, or a <see cref="NkdumpException"/> saying why it cannot be found.</summary>
    public static PhysBaseFact Find(IPhysicalMemory memory, VmcoreInfo? info, ElfSegment? textSegment)
    {
        if (info?.Number("phys_base") is { } number)
        {
            return new PhysBaseFact(unchecked((ulong)number), LayoutSource.VmcoreInfo);
        }

        if (textSegment is { } text)
        {
            return new PhysBaseFact(DumpTextMap.PhysBaseOf(text), LayoutSource.DumpHeader);
        }

        if (info is null)
        {
            throw new NkdumpException("no VMCOREINFO and no kernel-text PT_LOAD: phys_base is unknown");
        }

        var top = X86_64LayoutDetector.TopTable(info)
            ?? throw new NkdumpException("VMCOREINFO has neither NUMBER(phys_base) nor a top page table (SYMBOL(init_top_pgt), init_level4_pgt or swapper_pg_dir) to search for it: phys_base is unknown");
        var fiveLevel = info.Number("pgtable_l5_enabled") is 1;
        var smeMask = info.Number("sme_mask") is { } sme ? (ulong)sme : 0;
        var imageSize = info.Number("KERNEL_IMAGE_SIZE") is { } size and > 0 ? (ulong)size : X86_64Constants.DefaultKernelImageSize;
        var found = PhysBaseSearch.Find(memory, top, fiveLevel, smeMask, imageSize)
            ?? throw new NkdumpException("VMCOREINFO has no NUMBER(phys_base) and no 2 MiB-aligned load address maps init_top_pgt onto itself: cannot place the kernel image");
        return new PhysBaseFact(found, LayoutSource.Derived);
    }
}
