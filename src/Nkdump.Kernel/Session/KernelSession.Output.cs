using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Kernel.Memory;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel;

/// <summary>What the dump writers need from the kernel: the kdump header's facts, an ELF output's virtual addresses.</summary>
public sealed partial class KernelSession
{
    /// <summary>
    /// The header values makedumpfile writes (utsname, timestamp, phys_base, dump level): copied from
    /// a kdump-compressed source's header, else the session's facts (utsname, CRASHTIME, phys_base;
    /// 0 for what is unknown, and a utsname of OSRELEASE alone when init_uts_ns cannot be read).
    /// </summary>
    public KdumpHeaderFacts KdumpHeaderFacts()
    {
        if (Dump is KdumpDump kdump)
        {
            return Formats.Writing.KdumpHeaderFacts.From(kdump.Header);
        }

        IReadOnlyList<string> utsname = Utsname?.Fields ?? ["Linux", "", VmcoreInfo?.OsRelease ?? "", "", "x86_64", ""];
        return new KdumpHeaderFacts(utsname, VmcoreInfo?.CrashTime ?? 0, PhysBase ?? 0, 0);
    }

    /// <summary>
    /// The virtual addresses an ELF output should carry, as makedumpfile -E keeps them (drgn needs
    /// them). From an ELF source: its own text-map segments and direct-map base. From any other: the
    /// text map from VMCOREINFO's SYMBOL(_stext) and phys_base, up to the end of that physical range
    /// and at most NUMBER(KERNEL_IMAGE_SIZE) (1 GiB) from __START_KERNEL_map; the direct-map base is
    /// unknown there (KASLR randomizes page_offset_base and VMCOREINFO does not say it), so p_vaddr stays 0.
    /// </summary>
    public ElfVirtualLayout ElfVirtualLayout()
    {
        if (Dump is ElfVmcore elf)
        {
            var aliases = DumpTextMap.Segments(Dump).Select(s => new VirtualAlias(s.VirtualAddress, s.PhysicalAddress, s.MemorySize)).ToArray();
            var direct = elf.Segments.FirstOrDefault(s => s.IsLoad && s.VirtualAddress != 0 && s.VirtualAddress < StartKernelMap && s.VirtualAddress >= s.PhysicalAddress);
            return new ElfVirtualLayout(direct.VirtualAddress != 0 ? direct.VirtualAddress - direct.PhysicalAddress : null, aliases);
        }

        var info = VmcoreInfo;
        if (info?.Symbol("_stext") is not ulong stext || stext < StartKernelMap)
        {
            return new ElfVirtualLayout(null, []);
        }

        var physBase = PhysBase ?? 0;
        var imageSize = (ulong)(info.Number("KERNEL_IMAGE_SIZE") ?? (long)DefaultKernelImageSize);
        var paddr = unchecked(stext - StartKernelMap + physBase);
        var pageSize = (ulong)Dump.Memory.PageSize;
        foreach (var range in Dump.Memory.Ranges)
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
