using Nkdump.Formats;
using Nkdump.Formats.Elf;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel.Memory;

/// <summary>
/// The kernel text map as a dump file's own headers describe it: an ELF vmcore's PT_LOADs whose
/// p_vaddr is at or above __START_KERNEL_map (/proc/vmcore's first PT_LOAD, as the kernel's
/// crash_prepare_elf64_headers() and kexec-tools write it; makedumpfile -E keeps it). Other formats
/// carry no virtual addresses.
/// </summary>
public static class DumpTextMap
{
    /// <summary>Every text-map PT_LOAD of an ELF dump, in file order; empty for other formats.</summary>
    public static IReadOnlyList<ElfSegment> Segments(IKernelDump dump) =>
        dump is ElfVmcore elf ? elf.Segments.Where(s => s.IsLoad && s.VirtualAddress >= StartKernelMap).ToArray() : [];

    /// <summary>The first text-map PT_LOAD, or null.</summary>
    public static ElfSegment? First(IKernelDump dump) =>
        Segments(dump) is [var first, ..] ? first : null;

    /// <summary>
    /// phys_base as a text-map segment implies it: a text address V lives at V - __START_KERNEL_map +
    /// phys_base, so phys_base = p_paddr - (p_vaddr - __START_KERNEL_map).
    /// </summary>
    public static ulong PhysBaseOf(ElfSegment textSegment) =>
        unchecked(textSegment.PhysicalAddress - (textSegment.VirtualAddress - StartKernelMap));
}
