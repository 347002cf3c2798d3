using Nkdump.Formats;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel.Memory;

/// <summary>
/// Finds phys_base when VMCOREINFO does not carry it (kernels before 4.10). The kernel image is
/// loaded at a CONFIG_PHYSICAL_ALIGN boundary (2 MiB at least on x86_64), so phys_base is 2 MiB
/// aligned. For each candidate, init_top_pgt would sit at top - __START_KERNEL_map + candidate; the
/// right candidate is the one whose page tables, walked from there, map init_top_pgt's own virtual
/// address back onto that same physical page. (makedumpfile and crash read phys_base from the ELF
/// PT_LOAD of the text map instead; this works on every format, including kdump-compressed files
/// whose header value is unreliable, as QEMU writes it.)
/// </summary>
internal static class PhysBaseSearch
{
    public static ulong? Find(IPhysicalMemory memory, ulong topTableVirtual, bool fiveLevel, ulong smeMask, ulong imageSize)
    {
        var offsetInImage = topTableVirtual - StartKernelMap;
        if (offsetInImage >= imageSize)
        {
            return null;
        }

        var maxPhysical = memory.MaxPfn * (ulong)memory.PageSize;
        foreach (var range in memory.Ranges)
        {
            var first = range.StartPfn * (ulong)memory.PageSize;
            var last = range.EndPfn * (ulong)memory.PageSize;

            // Candidate physical addresses of the table inside this range: same offset within 2 MiB as the virtual one.
            var low = (first & ~(Size2M - 1)) + (offsetInImage & (Size2M - 1));
            for (var tablePhys = low; tablePhys < last && tablePhys < maxPhysical; tablePhys += Size2M)
            {
                if (tablePhys < first || memory.GetPageState(tablePhys / (ulong)memory.PageSize) != PageState.Present)
                {
                    continue;
                }

                var walker = new X86_64PageTableWalker(memory, tablePhys, fiveLevel, smeMask);
                if (walker.TryTranslate(topTableVirtual, out var t, out _) && t.PhysicalAddress == tablePhys)
                {
                    return unchecked(tablePhys - offsetInImage);
                }
            }
        }

        return null;
    }
}
