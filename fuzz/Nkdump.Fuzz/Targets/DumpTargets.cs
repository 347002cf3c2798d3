using Nkdump.Formats;
using Nkdump.Formats.Info;
using Nkdump.Formats.Kdump;
using Nkdump.Fuzz.Seeds;

namespace Nkdump.Fuzz.Targets;

/// <summary>
/// The dump readers: kdump-compressed, ELF cores and the flattened format, each opened the way every
/// command opens a dump (<see cref="DumpOpener"/> on a file), then read the way `info`, `dmesg` and
/// the collector read it: headers, notes, VMCOREINFO, CPU registers, page states, page reads
/// (decompression included) and the page counts of `nkdump info`. The three targets share the
/// reader and differ in their seeds, so each corpus grows around one format.
/// </summary>
internal static class DumpTargets
{
    /// <summary>Pages read per run: enough to reach every kind of descriptor, few enough for thousands of runs a second.</summary>
    private const int PageBudget = 256;

    public static FuzzTarget Kdump(Scratch scratch) =>
        new("kdump", "Formats/Kdump: kdump-compressed headers, bitmaps, descriptors, page codecs", input => OpenAndRead(scratch, input), DumpSeeds.Kdump);

    public static FuzzTarget ElfCore(Scratch scratch) =>
        new("elf-core", "Formats/Elf: ELF64 cores (/proc/vmcore, makedumpfile -E), notes, PT_LOAD memory", input => OpenAndRead(scratch, input), DumpSeeds.ElfCore);

    public static FuzzTarget Flattened(Scratch scratch) =>
        new("flattened", "Formats/Flattened: makedumpfile -F streams, reassembled then opened", input => OpenAndRead(scratch, input), DumpSeeds.Flattened);

    private static void OpenAndRead(Scratch scratch, byte[] input)
    {
        var path = scratch.Write("dump", input);
        using var dump = DumpOpener.Open(path);
        Read(dump);
    }

    private static void Read(IKernelDump dump)
    {
        if (dump.VmcoreInfo is { } info)
        {
            _ = (info.OsRelease, info.PageSize, info.KernelOffset, info.CrashTime, info.BuildId);
        }

        foreach (var cpu in dump.Cpus)
        {
            _ = (cpu.Pid, cpu.Registers.Rip);
        }

        var memory = dump.Memory;
        var page = new byte[memory.PageSize];
        var pageSize = (ulong)memory.PageSize;
        var budget = PageBudget;
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn && budget > 0; budget--)
            {
                var state = memory.GetPageState(pfn);
                var runEnd = memory.SameStateEnd(pfn);
                if (runEnd <= pfn)
                {
                    throw new InvalidOperationException($"SameStateEnd(0x{pfn:x}) = 0x{runEnd:x} does not move forward");
                }

                if (!memory.TryRead(pfn * pageSize, page, out var failure) && failure.State is PageState.Present)
                {
                    throw new InvalidOperationException($"pfn 0x{pfn:x}: the read failed but the failure says the page is present");
                }

                // Present pages one by one (each may decompress differently); runs of anything else in one step.
                pfn = state is PageState.Present ? pfn + 1 : Math.Min(runEnd, range.EndPfn);
            }
        }

        // A read across a page boundary and one past the end.
        memory.TryRead(pageSize - 8, page.AsSpan(0, 16), out _);
        memory.TryRead(memory.MaxPfn * pageSize, page.AsSpan(0, 8), out _);

        using (var view = memory.OpenPageView())
        {
            if (view is not null && memory.Ranges.Count > 0)
            {
                view.TryGetPage(memory.Ranges[0].StartPfn, out _);
            }
        }

        if (dump is KdumpDump kdump && memory.Ranges.Count > 0)
        {
            kdump.TryGetStored(memory.Ranges[0].StartPfn, out _, out _);
        }

        // What `nkdump info` prints, page counts included.
        _ = DumpInfo.Describe(dump);
    }
}
