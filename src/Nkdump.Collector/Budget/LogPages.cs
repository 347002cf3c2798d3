using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Printk;

namespace Nkdump.Collector.Budget;

/// <summary>
/// The page frames that reading the kernel log takes: the log reader is run once over a view of
/// the dump that notes every page it reads (the printk ring's structure, descriptors, info and
/// text, and whatever the layout detection read on the way). Written before anything else, they
/// keep the log readable in a dump cut short by a full disk or a budget: on a 7.3 kernel the `prb`
/// pointer sits 50 MiB into memory, past the 17 % that a too-small disk took in PFN order.
/// Knowing the log's structures is the log reader's job, so this class only watches it.
/// </summary>
internal static class LogPages
{
    /// <summary>At most this many frames (64 MiB): a hostile ring cannot turn the first pass into the whole dump.</summary>
    private const int MaxFrames = 16384;

    /// <summary>The frames, or null when nothing could be read (no VMCOREINFO, no layout).</summary>
    public static PfnBitmap? Find(IKernelDump dump, VmcoreInfo? vmcoreInfo)
    {
        if ((vmcoreInfo ?? dump.VmcoreInfo) is not { } info)
        {
            return null;
        }

        var watched = new WatchedMemory(dump.Memory, MaxFrames);
        try
        {
            KernelLogReader.Read(KernelContext.Open(watched, info));
        }
        catch (Exception)
        {
            // The log may be unreadable in this dump (a broken ring, a foreign layout): the pages
            // read before the failure are still the ones a reader starts from, and the dump itself
            // must be written whatever the log reader thinks of it.
        }

        return watched.Frames.Count == 0 ? null : ToBitmap(watched.Frames, dump.Memory.MaxPfn);
    }

    private static PfnBitmap ToBitmap(IEnumerable<ulong> frames, ulong maxPfn)
    {
        var bitmap = new PfnBitmap(maxPfn);
        foreach (var pfn in frames.Where(p => p < maxPfn))
        {
            bitmap[pfn] = true;
        }

        return bitmap;
    }

    /// <summary>The dump's memory, noting the frames each read touches (reads go through TryRead: no page views).</summary>
    private sealed class WatchedMemory(IPhysicalMemory memory, int maxFrames) : IPhysicalMemory
    {
        public HashSet<ulong> Frames { get; } = [];

        public int PageSize => memory.PageSize;

        public ulong MaxPfn => memory.MaxPfn;

        public IReadOnlyList<PfnRange> Ranges => memory.Ranges;

        public PageState GetPageState(ulong pfn) => memory.GetPageState(pfn);

        public ulong SameStateEnd(ulong pfn) => memory.SameStateEnd(pfn);

        public IEnumerable<ulong> PartialPages => memory.PartialPages;

        public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
        {
            if (destination.Length > 0 && PageSize > 0)
            {
                var first = physicalAddress / (ulong)PageSize;
                var last = (physicalAddress + (ulong)destination.Length - 1) / (ulong)PageSize;
                for (var pfn = first; pfn <= last && pfn >= first && Frames.Count < maxFrames; pfn++)
                {
                    Frames.Add(pfn);
                }
            }

            return memory.TryRead(physicalAddress, destination, out failure);
        }
    }
}
