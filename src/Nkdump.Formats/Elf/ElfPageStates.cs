namespace Nkdump.Formats.Elf;

/// <summary>
/// One disjoint run of physical bytes [Start, End) of an ELF core: file data at FileOffset, or
/// <see cref="ZeroFilled"/> (between p_filesz and p_memsz), or <see cref="CutOff"/> (past the end of an
/// incomplete dump's file).
/// </summary>
internal readonly record struct ElfPiece(ulong Start, ulong End, long FileOffset)
{
    public const long ZeroFilled = -1;
    public const long CutOff = -2;
}

/// <summary>
/// The state of every page frame of an ELF core, worked out once from its pieces as runs of frames in
/// one state, so that a lookup is a binary search and a pass over all frames asks once per run.
/// <para>
/// A page inside one piece has that piece's state. A page where a piece starts or ends (segments need
/// not be page-aligned: firmware memory maps are not) has the state of what covers it: any byte cut
/// off makes it <see cref="PageState.Incomplete"/>; covered whole, it is
/// <see cref="PageState.Present"/> when any of it is file data, else <see cref="PageState.Zero"/>;
/// covered in part, it is <see cref="PageState.Partial"/> when some of it is file data (the rest reads
/// as zeros), else <see cref="PageState.Zero"/> (no data at all, only zero fill).
/// </para>
/// makedumpfile 1.7.2 drops such pages instead: its bitmaps run from floor(start / page) to
/// floor(end / page), so the page a segment ends in, and a segment inside one page, are lost.
/// </summary>
internal sealed class ElfPageStates
{
    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly PageState[] _states;

    /// <param name="pieces">Sorted by start and disjoint.</param>
    /// <param name="pageSize">The crashed kernel's page size.</param>
    public ElfPageStates(ElfPiece[] pieces, ulong pageSize)
    {
        var runs = new List<(ulong Start, ulong End, PageState State)>();
        var edges = new List<ulong>();
        foreach (var piece in pieces)
        {
            var firstWhole = (piece.Start + pageSize - 1) / pageSize;
            var endWhole = piece.End / pageSize;
            if (firstWhole < endWhole)
            {
                runs.Add((firstWhole, endWhole, StateOf(piece)));
            }

            if (piece.Start % pageSize != 0)
            {
                edges.Add(piece.Start / pageSize);
            }

            if (piece.End % pageSize != 0)
            {
                edges.Add(piece.End / pageSize);
            }
        }

        // A page is an edge of at most two pieces that meet inside it, or of many tiny ones: once each.
        edges.Sort();
        for (var i = 0; i < edges.Count; i++)
        {
            if (i == 0 || edges[i] != edges[i - 1])
            {
                runs.Add((edges[i], edges[i] + 1, EdgeState(pieces, edges[i], pageSize)));
            }
        }

        runs.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<(ulong Start, ulong End, PageState State)>(runs.Count);
        foreach (var run in runs)
        {
            if (merged.Count > 0 && merged[^1].End == run.Start && merged[^1].State == run.State)
            {
                merged[^1] = merged[^1] with { End = run.End };
            }
            else
            {
                merged.Add(run);
            }
        }

        _starts = merged.Select(r => r.Start).ToArray();
        _ends = merged.Select(r => r.End).ToArray();
        _states = merged.Select(r => r.State).ToArray();
    }

    /// <summary>The page frames only partly in the core, in order.</summary>
    public IEnumerable<ulong> PartialPages
    {
        get
        {
            for (var r = 0; r < _states.Length; r++)
            {
                if (_states[r] != PageState.Partial)
                {
                    continue;
                }

                for (var pfn = _starts[r]; pfn < _ends[r]; pfn++)
                {
                    yield return pfn;
                }
            }
        }
    }

    public PageState Get(ulong pfn)
    {
        var r = RunAtOrBefore(pfn);
        return r >= 0 && pfn < _ends[r] ? _states[r] : PageState.NotInDump;
    }

    /// <summary>One past the last frame from <paramref name="pfn"/> on in its state (at least pfn + 1); a gap ends where the next run starts.</summary>
    public ulong SameStateEnd(ulong pfn, ulong maxPfn)
    {
        if (pfn >= maxPfn)
        {
            return pfn + 1;
        }

        var r = RunAtOrBefore(pfn);
        var end = r >= 0 && pfn < _ends[r] ? _ends[r] : r + 1 < _starts.Length ? _starts[r + 1] : maxPfn;
        return Math.Max(pfn + 1, end);
    }

    private static PageState StateOf(ElfPiece piece) => piece.FileOffset switch
    {
        ElfPiece.ZeroFilled => PageState.Zero,
        ElfPiece.CutOff => PageState.Incomplete,
        _ => PageState.Present,
    };

    /// <summary>The state of a page that pieces start or end in: what covers it, and how much.</summary>
    private static PageState EdgeState(ElfPiece[] pieces, ulong pfn, ulong pageSize)
    {
        var pageStart = pfn * pageSize;
        var pageEnd = pageStart + pageSize;
        ulong covered = 0;
        bool data = false, cut = false;
        for (var i = FirstEndingAfter(pieces, pageStart); i < pieces.Length && pieces[i].Start < pageEnd; i++)
        {
            covered += Math.Min(pageEnd, pieces[i].End) - Math.Max(pageStart, pieces[i].Start);
            data |= pieces[i].FileOffset >= 0;
            cut |= pieces[i].FileOffset == ElfPiece.CutOff;
        }

        return cut ? PageState.Incomplete
            : !data ? PageState.Zero
            : covered == pageSize ? PageState.Present
            : PageState.Partial;
    }

    private static int FirstEndingAfter(ElfPiece[] pieces, ulong address)
    {
        int low = 0, high = pieces.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (pieces[middle].End <= address)
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

    /// <summary>The run starting last at or before <paramref name="pfn"/>, or -1.</summary>
    private int RunAtOrBefore(ulong pfn)
    {
        var index = Array.BinarySearch(_starts, pfn);
        return index >= 0 ? index : ~index - 1;
    }
}
