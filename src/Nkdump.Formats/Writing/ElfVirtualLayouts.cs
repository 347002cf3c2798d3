using Nkdump.Formats.Elf;

namespace Nkdump.Formats.Writing;

/// <summary>Works out the virtual addresses an ELF output should carry, from whatever the source dump knows.</summary>
public static class ElfVirtualLayouts
{
    /// <summary>__START_KERNEL_map on x86_64 (arch/x86/include/asm/page_64_types.h).</summary>
    private const ulong StartKernelMap = 0xffffffff80000000UL;

    /// <summary>
    /// From an ELF source: its own text-map segments and direct-map base. From any other: the text map
    /// from VMCOREINFO's SYMBOL(_stext) and phys_base (a kernel-text address maps to vaddr -
    /// __START_KERNEL_map + phys_base), up to the end of that physical range and at most
    /// NUMBER(KERNEL_IMAGE_SIZE) (1 GiB) from __START_KERNEL_map; the direct-map base is unknown there
    /// (KASLR randomizes page_offset_base and VMCOREINFO does not say it), so p_vaddr stays 0.
    /// </summary>
    public static ElfVirtualLayout From(IKernelDump dump)
    {
        if (dump is ElfVmcore elf)
        {
            var loads = elf.Segments.Where(s => s.IsLoad).ToList();
            var aliases = loads.Where(s => s.VirtualAddress >= StartKernelMap)
                .Select(s => new VirtualAlias(s.VirtualAddress, s.PhysicalAddress, s.MemorySize)).ToArray();
            var direct = loads.FirstOrDefault(s => s.VirtualAddress != 0 && s.VirtualAddress < StartKernelMap && s.VirtualAddress >= s.PhysicalAddress);
            return new ElfVirtualLayout(direct.VirtualAddress != 0 ? direct.VirtualAddress - direct.PhysicalAddress : null, aliases);
        }

        var info = dump.VmcoreInfo;
        if (info?.Symbol("_stext") is not ulong stext || stext < StartKernelMap)
        {
            return new ElfVirtualLayout(null, []);
        }

        var physBase = KdumpHeaderFacts.From(dump).PhysBase;
        var imageSize = (ulong)(info.Number("KERNEL_IMAGE_SIZE") ?? (1L << 30));
        var paddr = unchecked(stext - StartKernelMap + physBase);
        var pageSize = (ulong)dump.Memory.PageSize;
        foreach (var range in dump.Memory.Ranges)
        {
            if (range.Contains(paddr / pageSize))
            {
                var length = Math.Min((range.EndPfn * pageSize) - paddr, StartKernelMap + imageSize - stext);
                return new ElfVirtualLayout(null, [new VirtualAlias(stext, paddr, length)]);
            }
        }

        return new ElfVirtualLayout(null, []);
    }
}
