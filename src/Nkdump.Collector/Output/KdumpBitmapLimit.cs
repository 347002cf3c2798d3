using System.Globalization;
using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Limits;

namespace Nkdump.Collector.Output;

/// <summary>
/// Refuses a kdump-compressed output whose two bitmaps alone would be absurd, before any file is
/// made (<see cref="InputLimits.Dump.KdumpMaxMapnr"/>: physical addresses from 64 TiB up). The format needs
/// max_mapnr bits per bitmap however few pages are present: one ELF segment at 2^48 asks for two of
/// 8 GiB, which crash would read whole into memory. The message names what put the memory so high
/// and how to keep it all the same: ELF output holds only the pages present.
/// </summary>
internal static class KdumpBitmapLimit
{
    /// <param name="dump">The input.</param>
    /// <param name="maxMapnr">The output's max_mapnr.</param>
    /// <param name="elfOption">The option that asks for ELF output instead, for the message.</param>
    public static void Check(IKernelDump dump, ulong maxMapnr, string elfOption)
    {
        if (maxMapnr <= InputLimits.Dump.KdumpMaxMapnr)
        {
            return;
        }

        var pageSize = (ulong)dump.Memory.PageSize;
        var bitmapBytes = (maxMapnr + 7) / 8;
        throw new NkdumpException(
            $"{dump.Path}: {Cause(dump)}, so a kdump-compressed file needs two bitmaps of {Size(bitmapBytes)} each (max_mapnr {maxMapnr.ToString(CultureInfo.InvariantCulture)}); "
            + $"nkdump writes that format for physical addresses below {Size(InputLimits.Dump.KdumpMaxMapnr * pageSize)} only. Write ELF instead ({elfOption}): it holds just the pages present");
    }

    /// <summary>What made max_mapnr so large: the ELF segment that reaches highest, or the kdump header's field.</summary>
    private static string Cause(IKernelDump dump)
    {
        if (dump is ElfVmcore elf)
        {
            var highest = -1;
            for (var i = 0; i < elf.Segments.Count; i++)
            {
                var s = elf.Segments[i];
                if (s.IsLoad && s.MemorySize > 0 && (highest < 0 || End(s) > End(elf.Segments[highest])))
                {
                    highest = i;
                }
            }

            if (highest >= 0)
            {
                var s = elf.Segments[highest];
                return $"program header {highest} (at offset {elf.ProgramHeaderOffset(highest)}) puts memory at physical address 0x{s.PhysicalAddress:x} (p_memsz 0x{s.MemorySize:x})";
            }
        }

        if (dump is KdumpDump kdump)
        {
            return $"max_mapnr in the header of {kdump.Files[0].Path} is {kdump.Header.MaxMapnr}";
        }

        return $"memory reaches page frame 0x{dump.Memory.MaxPfn:x}";
    }

    private static ulong End(ElfSegment s) => s.PhysicalAddress + s.MemorySize;

    private static string Size(ulong bytes) =>
        bytes >= 1UL << 40 ? $"{bytes >> 40} TiB" : bytes >= 1UL << 30 ? $"{bytes >> 30} GiB" : $"{bytes >> 20} MiB";
}
