using Nkdump.Formats;
using Nkdump.Kernel.Memory;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// Computes which page frames a dump at a given level keeps: the frames that physical memory has,
/// minus what the classifier excludes from their struct pages. Works on a window of frames at a
/// time so that memory stays bounded (makedumpfile's cyclic mode); struct pages are read in
/// aligned batches of 512, so a compound head never sits at a batch's end without its first tail.
/// Zero pages are not decided here: they keep their bit and are stored once by the writer.
/// </summary>
public sealed class PageFilter
{
    /// <summary>Struct pages read per batch: 512 × 64 bytes = 32 KiB, aligned like makedumpfile's PGMM_CACHED.</summary>
    public const int BatchPages = 512;

    private readonly KernelMemory _memory;
    private readonly IPhysicalMemory _physical;
    private readonly IReadOnlyList<MemMapSection> _sections;
    private readonly PageClassifier _classifier;
    private readonly byte[] _batch;
    private readonly bool _zeroPagesHaveNoData;

    // A free block or compound page can reach past the window being filled: the rest is excluded
    // at the start of the next window.
    private ulong _excludedUntil;
    private PageClass _pendingClass;

    /// <param name="zeroPagesHaveNoData">
    /// True for ELF input: a PT_LOAD's zero-filled tail (p_filesz &lt; p_memsz) holds no data, and
    /// makedumpfile leaves it out of the dump (exclude_nodata_pages).
    /// </param>
    public PageFilter(KernelMemory memory, IReadOnlyList<MemMapSection> sections, PageClassifier classifier, bool zeroPagesHaveNoData)
    {
        _zeroPagesHaveNoData = zeroPagesHaveNoData;
        _memory = memory;
        _physical = memory.Physical;
        _sections = sections;
        _classifier = classifier;
        _batch = new byte[BatchPages * classifier.Layout.Size];
    }

    public FilterStatistics Statistics { get; } = new();

    /// <summary>
    /// Marks in <paramref name="keep"/> every frame of [<paramref name="windowStart"/>,
    /// <paramref name="windowEnd"/>) that the dump keeps. Windows must be filled in increasing order.
    /// </summary>
    public void Fill(PfnBitmap keep, ulong windowStart, ulong windowEnd)
    {
        // Batches must not split a compound head from its first tail page: windows start on a batch boundary.
        if (windowStart % BatchPages != 0)
        {
            throw new ArgumentException($"a window must start at a multiple of {BatchPages} page frames", nameof(windowStart));
        }

        windowEnd = Math.Min(windowEnd, keep.Bits);
        var window = new Window(windowStart, windowEnd);
        KeepFramesWithData(_physical, keep, windowStart, windowEnd, _zeroPagesHaveNoData);

        // makedumpfile reads struct pages only when a rule needs them (create_2nd_bitmap).
        var level = _classifier.Level;
        var layout = _classifier.Layout;
        var needStructPages = (level & (DumpLevel.CacheNonPrivate | DumpLevel.CachePrivate | DumpLevel.User)) != 0
            || layout.PgHwPoison is not null
            || level.HasFlag(DumpLevel.Free);
        if (!needStructPages)
        {
            return;
        }

        if (_excludedUntil > window.Start)
        {
            Statistics.Add(_pendingClass, Exclude(keep, window, window.Start, _excludedUntil));
        }

        var size = _classifier.Layout.Size;
        foreach (var section in _sections)
        {
            var start = Math.Max(section.StartPfn, window.Start);
            var end = Math.Min(section.EndPfn, window.End);
            for (var batchStart = start; batchStart < end;)
            {
                var batchEnd = Math.Min(end, (batchStart / BatchPages + 1) * BatchPages);
                if (_excludedUntil >= batchEnd)
                {
                    // Inside a free block or compound page already excluded (order-10 buddy blocks
                    // span two batches): nothing to classify, so the struct pages are not read.
                    batchStart = batchEnd;
                    continue;
                }

                var count = (int)(batchEnd - batchStart);
                var pages = _batch.AsSpan(0, count * size);
                var address = section.MemMap + (batchStart - section.StartPfn) * (ulong)size;
                if (!_memory.TryRead(address, pages, out _))
                {
                    Statistics.UnreadableStructPages += (ulong)keep.Count(batchStart, batchEnd);
                    batchStart = batchEnd;
                    continue;
                }

                for (var i = 0; i < count; i++)
                {
                    var pfn = batchStart + (ulong)i;
                    if (pfn < _excludedUntil)
                    {
                        // Jump over the rest of the block excluded last (the loop's i++ lands on its end).
                        i = (int)Math.Min((ulong)count, _excludedUntil - batchStart) - 1;
                        continue;
                    }

                    if (!keep[pfn])
                    {
                        continue;
                    }

                    var pageClass = _classifier.Classify(pages, i, pfn, out var frames);
                    if (pageClass is PageClass.Kept or PageClass.CompoundTail)
                    {
                        continue;
                    }

                    var last = pfn + (ulong)frames;
                    Statistics.Add(pageClass, Exclude(keep, window, pfn, last));
                    _excludedUntil = last;
                    _pendingClass = pageClass;
                }

                batchStart = batchEnd;
            }
        }
    }

    /// <summary>
    /// Marks the frames of [<paramref name="start"/>, <paramref name="end"/>) that exist and have data:
    /// the physical memory's ranges, less what an earlier filtering left out (re-filtering a dump) and,
    /// when <paramref name="zeroPagesHaveNoData"/>, zero-filled ELF tails. A page only partly in the
    /// dump has data, so it is kept (its missing bytes are written as zeros). Asks once per run of
    /// frames in one state, not once per frame.
    /// </summary>
    public static void KeepFramesWithData(IPhysicalMemory physical, PfnBitmap keep, ulong start, ulong end, bool zeroPagesHaveNoData)
    {
        var ranges = physical.Ranges;
        for (var r = FirstRangeEndingAfter(ranges, start); r < ranges.Count && ranges[r].StartPfn < end; r++)
        {
            var last = Math.Min(ranges[r].EndPfn, end);
            for (var pfn = Math.Max(ranges[r].StartPfn, start); pfn < last;)
            {
                var state = physical.GetPageState(pfn);
                var runEnd = Math.Min(last, Math.Max(physical.SameStateEnd(pfn), pfn + 1));
                if (state is PageState.Present or PageState.Partial || (state == PageState.Zero && !zeroPagesHaveNoData))
                {
                    keep.SetRange(pfn, runEnd);
                }

                pfn = runEnd;
            }
        }
    }

    /// <summary>The first of the sorted <paramref name="ranges"/> that ends after <paramref name="pfn"/>, or their count.</summary>
    internal static int FirstRangeEndingAfter(IReadOnlyList<PfnRange> ranges, ulong pfn)
    {
        int low = 0, high = ranges.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (ranges[middle].EndPfn <= pfn)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static ulong Exclude(PfnBitmap keep, Window window, ulong start, ulong end) =>
        (ulong)keep.ClearRange(start, Math.Min(end, window.End));

    private readonly record struct Window(ulong Start, ulong End);
}
