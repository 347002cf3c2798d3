using Nkdump.Formats.IO;

namespace Nkdump.Formats.Elf;

/// <summary>
/// Physical memory of an ELF core: PT_LOAD segments placed by p_paddr. Overlapping segments are
/// resolved once at open time into disjoint pieces: /proc/vmcore's first PT_LOAD is the kernel text
/// map whose pages repeat inside a direct-map segment (fs/proc/vmcore.c, x86_64 since 2.6), and QEMU's
/// paging dumps map one physical page at several virtual addresses. Any copy is the same bytes, so
/// the segment that starts first wins. The bytes between p_filesz and p_memsz read as zeros.
/// Segments need not start or end on a page boundary: a page they cover in part is
/// <see cref="PageState.Partial"/>, its bytes outside every segment read as zeros (<see cref="ElfPageStates"/>).
/// In a dump marked incomplete, data cut off by the end of the file (after the last whole page) is
/// <see cref="PageState.Incomplete"/>, and only where no other segment has the bytes.
/// Reads copy from the file (mapped or pread), so nothing is allocated per page.
/// </summary>
internal sealed class ElfPhysicalMemory : IPhysicalMemory
{
    private const long ZeroFilled = ElfPiece.ZeroFilled;
    private const long CutOff = ElfPiece.CutOff;

    private readonly IRandomAccessFile _file;
    private readonly ElfPiece[] _pieces;
    private readonly ulong[] _starts;
    private readonly ElfPageStates _states;

    /// <param name="file">The core file.</param>
    /// <param name="segments">Its program headers (checked against the file, except a cut-off dump's data).</param>
    /// <param name="pageSize">The crashed kernel's page size.</param>
    /// <param name="incomplete">The dump is marked incomplete: segments may run past the end of the file.</param>
    public ElfPhysicalMemory(IRandomAccessFile file, IReadOnlyList<ElfSegment> segments, int pageSize, bool incomplete = false)
    {
        _file = file;
        PageSize = pageSize;
        var candidates = new List<ElfPiece>();
        var cut = new List<ElfPiece>();
        foreach (var s in segments)
        {
            if (!s.IsLoad || s.MemorySize == 0)
            {
                continue;
            }

            var dataEnd = s.PhysicalAddress + Math.Min(s.FileSize, s.MemorySize);
            var stored = incomplete ? StoredEnd(s, file.Length, (ulong)pageSize) : dataEnd;
            if (stored > s.PhysicalAddress)
            {
                candidates.Add(new ElfPiece(s.PhysicalAddress, stored, (long)s.Offset));
            }

            if (dataEnd > stored)
            {
                cut.Add(new ElfPiece(stored, dataEnd, CutOff));
            }

            if (s.MemorySize > s.FileSize)
            {
                candidates.Add(new ElfPiece(dataEnd, s.PhysicalAddress + s.MemorySize, ZeroFilled));
            }
        }

        // Sort by start; at equal starts file data wins over a zero tail, then the longer piece.
        candidates.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : (a.FileOffset < 0) != (b.FileOffset < 0) ? (a.FileOffset < 0 ? 1 : -1)
            : b.End.CompareTo(a.End));
        var pieces = new List<ElfPiece>(candidates.Count);
        ulong covered = 0;
        foreach (var c in candidates)
        {
            var start = Math.Max(c.Start, covered);
            if (c.End <= start)
            {
                continue;
            }

            var fileOffset = c.FileOffset < 0 ? -1 : c.FileOffset + (long)(start - c.Start);
            pieces.Add(new ElfPiece(start, c.End, fileOffset));
            covered = c.End;
        }

        if (cut.Count > 0)
        {
            pieces = FillGaps(pieces, cut);
        }

        _pieces = pieces.ToArray();
        _starts = pieces.Select(p => p.Start).ToArray();
        MaxPfn = _pieces.Length == 0 ? 0 : (_pieces[^1].End + (ulong)pageSize - 1) / (ulong)pageSize;
        Ranges = BuildRanges(_pieces, (ulong)pageSize);
        _states = new ElfPageStates(_pieces, (ulong)pageSize);
    }

    public int PageSize { get; }

    public ulong MaxPfn { get; }

    public IReadOnlyList<PfnRange> Ranges { get; }

    public IEnumerable<ulong> PartialPages => _states.PartialPages;

    /// <summary>Immutable pieces over a thread-safe file: reads need no lock.</summary>
    public bool ConcurrentReads => true;

    public IPageView? OpenPageView(bool scattered = false) => _file.OpenWindow(scattered) is { } window ? new PageView(this, window) : null;

    /// <summary>
    /// The file offset of page <paramref name="pfn"/> when all of it is plain file data, else -1.
    /// <paramref name="hint"/> is the piece the caller's last page was in (consecutive pages mostly
    /// share one), updated here, so a pass over the pages rarely searches.
    /// </summary>
    private long PageFileOffset(ulong pfn, ref int hint)
    {
        var address = pfn * (ulong)PageSize;
        if (pfn >= MaxPfn)
        {
            return -1;
        }

        if ((uint)hint >= (uint)_pieces.Length || address < _pieces[hint].Start || address >= _pieces[hint].End)
        {
            hint = Find(address);
        }

        var index = hint;
        if (index < 0 || _pieces[index].FileOffset < 0 || _pieces[index].End - address < (ulong)PageSize)
        {
            return -1;
        }

        // A page past the file's end (a truncated core) is left to TryRead, which says where.
        var offset = _pieces[index].FileOffset + (long)(address - _pieces[index].Start);
        return _file.Contains(offset, PageSize) ? offset : -1;
    }

    /// <summary>One thread's view of the pages through a window of the file.</summary>
    private sealed class PageView(ElfPhysicalMemory memory, IFileWindow window) : IPageView
    {
        private int _piece = -1;

        public bool TryGetPage(ulong pfn, out ReadOnlySpan<byte> page)
        {
            var offset = memory.PageFileOffset(pfn, ref _piece);
            page = offset < 0 ? default : window.Span(offset, memory.PageSize);
            return offset >= 0;
        }

        public void Dispose() => window.Dispose();
    }

    public PageState GetPageState(ulong pfn) => pfn < MaxPfn ? _states.Get(pfn) : PageState.NotInDump;

    public ulong SameStateEnd(ulong pfn) => _states.SameStateEnd(pfn, MaxPfn);

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var address = physicalAddress;
        while (!destination.IsEmpty)
        {
            var index = Find(address);
            if (index < 0)
            {
                // Outside every segment: zeros when the page is in the dump in part, else a failure.
                var gap = GapInPage(address, destination.Length, out var state);
                if (gap == 0)
                {
                    failure = new PhysicalReadFailure(address, state == PageState.Incomplete ? state : PageState.NotInDump);
                    return false;
                }

                destination[..gap].Clear();
                destination = destination[gap..];
                address += (ulong)gap;
                continue;
            }

            var piece = _pieces[index];
            if (piece.FileOffset == CutOff)
            {
                failure = new PhysicalReadFailure(address, PageState.Incomplete);
                return false;
            }

            var count = (int)Math.Min((ulong)destination.Length, piece.End - address);
            if (piece.FileOffset == ZeroFilled)
            {
                destination[..count].Clear();
            }
            else
            {
                _file.Read(piece.FileOffset + (long)(address - piece.Start), destination[..count]);
            }

            destination = destination[count..];
            address += (ulong)count;
        }

        failure = default;
        return true;
    }

    /// <summary>
    /// How many bytes from <paramref name="address"/> (outside every piece, at most <paramref name="limit"/>)
    /// read as zeros: up to the next piece or the end of the page, when the page is partly in the dump
    /// (or holds only zero fill); 0 when it is not, with its <paramref name="state"/>.
    /// </summary>
    private int GapInPage(ulong address, int limit, out PageState state)
    {
        var pageSize = (ulong)PageSize;
        state = GetPageState(address / pageSize);
        if (state is not (PageState.Partial or PageState.Zero))
        {
            return 0;
        }

        var found = Array.BinarySearch(_starts, address);
        var next = found >= 0 ? found : ~found;
        var end = Math.Min((address / pageSize * pageSize) + pageSize, next < _starts.Length ? _starts[next] : ulong.MaxValue);
        return (int)Math.Min((ulong)limit, end - address);
    }

    /// <summary>
    /// Where a segment's stored bytes end in an incomplete dump: at the end of the file, rounded down
    /// to a page boundary (a page half written is as lost as one not written).
    /// </summary>
    private static ulong StoredEnd(ElfSegment s, long fileLength, ulong pageSize)
    {
        var dataEnd = s.PhysicalAddress + Math.Min(s.FileSize, s.MemorySize);
        if (s.Offset >= (ulong)fileLength)
        {
            return s.PhysicalAddress;
        }

        var inFile = Math.Min(s.FileSize, (ulong)fileLength - s.Offset);
        if (s.PhysicalAddress + inFile >= dataEnd)
        {
            return dataEnd;
        }

        return Math.Max(s.PhysicalAddress, (s.PhysicalAddress + inFile) / pageSize * pageSize);
    }

    /// <summary>Adds the cut-off runs where no stored or zero-filled piece covers them (<paramref name="pieces"/> sorted and disjoint).</summary>
    private static List<ElfPiece> FillGaps(List<ElfPiece> pieces, List<ElfPiece> cut)
    {
        // Overlapping cut-off runs (an alias of a cut segment) become one first.
        cut.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<ElfPiece>(cut.Count);
        foreach (var c in cut)
        {
            if (merged.Count > 0 && merged[^1].End >= c.Start)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, c.End) };
            }
            else
            {
                merged.Add(c);
            }
        }

        var starts = pieces.Select(p => p.Start).ToArray();
        var result = new List<ElfPiece>(pieces);
        foreach (var c in merged)
        {
            var i = Array.BinarySearch(starts, c.Start);
            i = i < 0 ? Math.Max(0, ~i - 1) : i;
            var at = c.Start;
            for (; i < pieces.Count && at < c.End; i++)
            {
                if (pieces[i].End <= at)
                {
                    continue;
                }

                if (pieces[i].Start >= c.End)
                {
                    break;
                }

                if (pieces[i].Start > at)
                {
                    result.Add(new ElfPiece(at, pieces[i].Start, CutOff));
                }

                at = Math.Max(at, pieces[i].End);
            }

            if (at < c.End)
            {
                result.Add(new ElfPiece(at, c.End, CutOff));
            }
        }

        result.Sort((a, b) => a.Start.CompareTo(b.Start));
        return result;
    }

    /// <summary>The index of the piece containing <paramref name="address"/>, or -1.</summary>
    private int Find(ulong address)
    {
        var index = Array.BinarySearch(_starts, address);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && address < _pieces[index].End ? index : -1;
    }

    private static List<PfnRange> BuildRanges(ElfPiece[] pieces, ulong pageSize)
    {
        var ranges = new List<PfnRange>();
        foreach (var p in pieces)
        {
            var start = p.Start / pageSize;
            var end = (p.End + pageSize - 1) / pageSize;
            if (ranges.Count > 0 && ranges[^1].EndPfn >= start)
            {
                ranges[^1] = ranges[^1] with { EndPfn = Math.Max(ranges[^1].EndPfn, end) };
            }
            else
            {
                ranges.Add(new PfnRange(start, end));
            }
        }

        return ranges;
    }
}
