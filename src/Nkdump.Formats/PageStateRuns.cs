namespace Nkdump.Formats;

/// <summary>A run of page frames [<see cref="Start"/>, <see cref="End"/>) that share one <see cref="State"/>.</summary>
public readonly record struct PageStateRun(ulong Start, ulong End, PageState State)
{
    /// <summary>How many frames the run holds.</summary>
    public long Count => (long)Math.Min(End - Start, long.MaxValue);
}

/// <summary>
/// The walk over a dump's page states that <c>info</c> and <c>convert</c> share: once per run of
/// frames in one state (<see cref="IPhysicalMemory.SameStateEnd"/>), so a huge zero-filled ELF tail
/// is one step, and always at least one frame forward, whatever a hostile file makes SameStateEnd
/// answer (a PT_LOAD that claimed 2^50 bytes made a per-frame walk endless; found by fuzzing).
/// </summary>
public static class PageStateRuns
{
    /// <summary>The runs of the frames in [<paramref name="start"/>, <paramref name="end"/>) that lie in the memory map, in order.</summary>
    public static IEnumerable<PageStateRun> Of(IPhysicalMemory memory, ulong start = 0, ulong end = ulong.MaxValue)
    {
        foreach (var range in memory.Ranges)
        {
            if (range.EndPfn <= start)
            {
                continue;
            }

            if (range.StartPfn >= end)
            {
                yield break;
            }

            var last = Math.Min(range.EndPfn, end);
            for (var pfn = Math.Max(range.StartPfn, start); pfn < last;)
            {
                var runEnd = Math.Min(last, Math.Max(memory.SameStateEnd(pfn), pfn + 1));
                yield return new PageStateRun(pfn, runEnd, memory.GetPageState(pfn));
                pfn = runEnd;
            }
        }
    }
}
