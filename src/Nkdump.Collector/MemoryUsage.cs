using Nkdump.Collector.Filtering;
using Nkdump.Formats;

namespace Nkdump.Collector;

/// <summary>
/// makedumpfile --mem-usage: how many pages of each kind the crashed machine had, so an
/// administrator can size the dump target. Zero pages are counted among the pages no other rule
/// excludes, as makedumpfile does (it looks for them after the struct page rules).
/// </summary>
public sealed record MemoryUsage(ulong Zero, ulong Cache, ulong CachePrivate, ulong User, ulong Free, ulong KernelData, ulong TotalPages, int PageSize)
{
    public static MemoryUsage Compute(IKernelDump dump, VmcoreInfo? vmcoreInfoOverride = null)
    {
        var plan = DumpFilterPlan.Create(dump, DumpLevel.All, vmcoreInfoOverride);
        var kept = plan.Kept(1UL << 20);
        var memory = dump.Memory;
        var page = new byte[memory.PageSize];
        ulong zero = 0, kernel = 0;
        for (var pfn = kept.NextSet(0); pfn < kept.Bits; pfn = kept.NextSet(pfn + 1))
        {
            var isZero = memory.GetPageState(pfn) == PageState.Zero
                || (memory.TryRead(pfn * (ulong)memory.PageSize, page, out _) && Pipeline.ChunkEncoder.IsZero(page));
            if (isZero)
            {
                zero++;
            }
            else
            {
                kernel++;
            }
        }

        var s = plan.Statistics;
        ulong total = 0;
        foreach (var range in memory.Ranges)
        {
            total += range.Count;
        }

        return new MemoryUsage(zero, s[PageClass.Cache], s[PageClass.CachePrivate], s[PageClass.User], s[PageClass.Free], kernel, total, memory.PageSize);
    }

    /// <summary>The table in makedumpfile's layout.</summary>
    public string Render() =>
        "\n" +
        "TYPE\t\tPAGES\t\t\tEXCLUDABLE\tDESCRIPTION\n" +
        "----------------------------------------------------------------------\n" +
        $"ZERO\t\t{Zero,-16}\tyes\t\tPages filled with zero\n" +
        $"NON_PRI_CACHE\t{Cache,-16}\tyes\t\tCache pages without private flag\n" +
        $"PRI_CACHE\t{CachePrivate,-16}\tyes\t\tCache pages with private flag\n" +
        $"USER\t\t{User,-16}\tyes\t\tUser process pages\n" +
        $"FREE\t\t{Free,-16}\tyes\t\tFree pages\n" +
        $"KERN_DATA\t{KernelData,-16}\tno\t\tDumpable kernel data \n" +
        "\n" +
        $"page size:\t\t{PageSize,-16}\n" +
        $"Total pages on system:\t{TotalPages,-16}\n" +
        $"Total size on system:\t{TotalPages * (ulong)PageSize,-16} Byte\n";
}
