using Nkdump.Collector.Filtering;
using Nkdump.Formats;

namespace Nkdump.Collector.Budget;

/// <summary>
/// The order pages go into a dump that may be cut short (by a capture budget or a full disk): passes
/// over the kept frames, each in PFN order, most important first. The registers are in the file's
/// head already (the ELF notes, VMCOREINFO) and vmcore-dmesg.txt is saved before the dump. Then: the
/// pages the kernel log is read from (<see cref="LogPages"/>), so that `dmesg` works on what was
/// written; kernel memory (what dump level 31 keeps: kernel text and data, page tables, slab,
/// stacks), then page cache and user data (what level 16 adds), then free pages. A pass holds only
/// frames no earlier pass had. Without a budget or a capture, one pass in PFN order, as makedumpfile writes.
/// </summary>
internal sealed class WriteOrder
{
    /// <summary>What a kernel post-mortem needs beyond the level's own exclusions: every user-side class dropped.</summary>
    private const DumpLevel KernelOnly = DumpLevel.CacheNonPrivate | DumpLevel.CachePrivate | DumpLevel.User | DumpLevel.Free;

    private WriteOrder(IReadOnlyList<PfnBitmap> passes) => Passes = passes;

    /// <summary>The passes: each a superset of the one before, the last the dump's whole page set.</summary>
    public IReadOnlyList<PfnBitmap> Passes { get; }

    /// <summary>Given passes (the last one the writer's page set): for tests and other orders.</summary>
    internal static WriteOrder Of(params PfnBitmap[] passes) => new(passes);

    /// <summary>PFN order: one pass over <paramref name="kept"/>.</summary>
    public static WriteOrder ByPfn(PfnBitmap kept) => new([kept]);

    /// <summary>
    /// The passes for <paramref name="dump"/> at <paramref name="level"/>, whose kept set is
    /// <paramref name="kept"/>: the frames the stricter levels keep come first. Without VMCOREINFO
    /// no page can be classified and the order stays by PFN.
    /// </summary>
    public static WriteOrder ImportantFirst(IKernelDump dump, DumpLevel level, VmcoreInfo? vmcoreInfo, PfnBitmap kept, ulong windowPages)
    {
        if ((vmcoreInfo ?? dump.VmcoreInfo) is null)
        {
            return ByPfn(kept);
        }

        var passes = new List<PfnBitmap>();
        if (LogPages.Find(dump, vmcoreInfo) is { } log)
        {
            passes.Add(log);
        }

        var kernelOnly = level | KernelOnly;
        var withUserData = level | DumpLevel.Free;
        if (kernelOnly != level)
        {
            passes.Add(DumpFilterPlan.Create(dump, kernelOnly, vmcoreInfo).Kept(windowPages));
        }

        if (withUserData != level && withUserData != kernelOnly)
        {
            passes.Add(DumpFilterPlan.Create(dump, withUserData, vmcoreInfo).Kept(windowPages));
        }

        passes.Add(kept);
        return new WriteOrder(passes);
    }

    /// <summary>
    /// The frames of pass <paramref name="pass"/> in [<paramref name="start"/>, <paramref name="end"/>)
    /// that the dump keeps and no earlier pass had, in PFN order (a stricter level's set is within the
    /// level's, but that is checked here, not assumed: the writer takes each page once).
    /// </summary>
    public IEnumerable<ulong> Frames(int pass, ulong start, ulong end)
    {
        var bitmap = Passes[pass];
        var kept = Passes[^1];
        for (var pfn = bitmap.NextSet(start); pfn < end; pfn = bitmap.NextSet(pfn + 1))
        {
            if (kept[pfn] && !InEarlierPass(pass, pfn))
            {
                yield return pfn;
            }
        }
    }

    private bool InEarlierPass(int pass, ulong pfn)
    {
        for (var i = 0; i < pass; i++)
        {
            if (Passes[i][pfn])
            {
                return true;
            }
        }

        return false;
    }
}
