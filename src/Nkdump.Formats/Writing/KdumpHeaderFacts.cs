using System.Text;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;

namespace Nkdump.Formats.Writing;

/// <summary>
/// The header values makedumpfile writes (utsname, timestamp, phys_base, dump level), taken from an
/// opened dump: copied from a kdump-compressed source, or worked out from VMCOREINFO for an ELF one.
/// </summary>
public sealed record KdumpHeaderFacts(IReadOnlyList<string> Utsname, long TimestampSeconds, ulong PhysBase, int DumpLevel)
{
    /// <summary>__START_KERNEL_map on x86_64 (arch/x86/include/asm/page_64_types.h).</summary>
    private const ulong StartKernelMap = 0xffffffff80000000UL;

    private const int UtsFieldLength = 65;

    public static KdumpHeaderFacts From(IKernelDump dump)
    {
        if (dump is KdumpDump kdump)
        {
            var h = kdump.Header;
            return new KdumpHeaderFacts(h.Utsname, h.TimestampSeconds, h.PhysBase, h.DumpLevel);
        }

        var info = dump.VmcoreInfo;
        var physBase = FindPhysBase(dump);
        var timestamp = info?.CrashTime ?? 0;
        return new KdumpHeaderFacts(ReadUtsname(dump, physBase), timestamp, physBase ?? 0, 0);
    }

    /// <summary>
    /// phys_base: VMCOREINFO's NUMBER(phys_base) (x86_64, kernel 4.10+), else from /proc/vmcore's
    /// kernel text PT_LOAD (its p_paddr minus its offset into __START_KERNEL_map).
    /// </summary>
    private static ulong? FindPhysBase(IKernelDump dump)
    {
        if (dump.VmcoreInfo?.Number("phys_base") is long number)
        {
            return unchecked((ulong)number);
        }

        if (dump is ElfVmcore elf)
        {
            foreach (var s in elf.Segments)
            {
                if (s.IsLoad && s.VirtualAddress >= StartKernelMap)
                {
                    return unchecked(s.PhysicalAddress - (s.VirtualAddress - StartKernelMap));
                }
            }
        }

        return null;
    }

    /// <summary>
    /// struct new_utsname of init_uts_ns, as makedumpfile copies it into the header (crash --osrelease
    /// reads it from there). A kernel-text symbol's physical address is vaddr - __START_KERNEL_map +
    /// phys_base (__phys_addr_symbol, arch/x86/mm/physaddr.c). Falls back to OSRELEASE alone.
    /// </summary>
    private static IReadOnlyList<string> ReadUtsname(IKernelDump dump, ulong? physBase)
    {
        var info = dump.VmcoreInfo;
        var fallback = new[] { "Linux", "", info?.OsRelease ?? "", "", "x86_64", "" };
        if (info?.Symbol("init_uts_ns") is not ulong symbol || physBase is null || symbol < StartKernelMap)
        {
            return fallback;
        }

        var offset = (ulong)(info.Offset("uts_namespace.name") ?? 0);
        var bytes = new byte[6 * UtsFieldLength];
        var address = unchecked(symbol - StartKernelMap + physBase.Value + offset);
        if (!dump.Memory.TryRead(address, bytes, out _))
        {
            return fallback;
        }

        var fields = new string[6];
        for (var i = 0; i < 6; i++)
        {
            var field = bytes.AsSpan(i * UtsFieldLength, UtsFieldLength);
            var nul = field.IndexOf((byte)0);
            fields[i] = Encoding.ASCII.GetString(nul >= 0 ? field[..nul] : field);
        }

        // Trust it only if it is what VMCOREINFO says the release is.
        return fields[2] == info.OsRelease ? fields : fallback;
    }
}
