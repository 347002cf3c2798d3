using Nkdump.Formats.IO;

namespace Nkdump.Formats.Elf;

/// <summary>
/// Physical memory of an ELF core: PT_LOAD segments placed by p_paddr. Overlapping segments are
/// resolved once at open time into disjoint pieces: /proc/vmcore's first PT_LOAD is the kernel text
/// map whose pages repeat inside a direct-map segment (fs/proc/vmcore.c, x86_64 since 2.6), and QEMU's
/// paging dumps map one physical page at several virtual addresses. Any copy is the same bytes, so
/// the segment that starts first wins. The bytes between p_filesz and p_memsz read as zeros.
/// In a dump marked incomplete, data cut off by the end of the file (after the last whole page) is
/// <see cref="PageState.Incomplete"/>, and only where no other segment has the bytes.
/// Reads copy from the file (mapped or pread), so nothing is allocated per page.
/// </summary>
internal sealed class ElfPhysicalMemory : IPhysicalMemory
{
    /// <summary>One disjoint run of physical bytes [Start, End) at FileOffset, or <see cref="ZeroFilled"/> or <see cref="CutOff"/>.</summary>
    private readonly record struct Piece(ulong Start, ulong End, long FileOffset);

    private const long ZeroFilled = -1;
    private const long CutOff = -2;

    private readonly IRandomAccessFile _file;
    private readonly Piece[] _pieces;
    private readonly ulong[] _starts;

    /// <param name="file">The core file.</param>
    /// <param name="segments">Its program headers (checked against the file, except a cut-off dump's data).</param>
    /// <param name="pageSize">The crashed kernel's page size.</param>
    /// <param name="incomplete">The dump is marked incomplete: segments may run past the end of the file.</param>
    public ElfPhysicalMemory(IRandomAccessFile file, IReadOnlyList<ElfSegment> segments, int pageSize, bool incomplete = false)
    {
        _file = file;
        PageSize = pageSize;
        var candidates = new List<Piece>();
        var cut = new List<Piece>();
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
                candidates.Add(new Piece(s.PhysicalAddress, stored, (long)s.Offset));
            }

            if (dataEnd > stored)
            {
                cut.Add(new Piece(stored, dataEnd, CutOff));
            }

            if (s.MemorySize > s.FileSize)
            {
                candidates.Add(new Piece(dataEnd, s.PhysicalAddress + s.MemorySize, ZeroFilled));
            }
        }

        // Sort by start; at equal starts file data wins over a zero tail, then the longer piece.
        candidates.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : (a.FileOffset < 0) != (b.FileOffset < 0) ? (a.FileOffset < 0 ? 1 : -1)
            : b.End.CompareTo(a.End));
        var pieces = new List<Piece>(candidates.Count);
        ulong covered = 0;
        foreach (var c in candidates)
        {
            var start = Math.Max(c.Start, covered);
            if (c.End <= start)
            {
                continue;
            }

            var fileOffset = c.FileOffset < 0 ? -1 : c.FileOffset + (long)(start - c.Start);
            pieces.Add(new Piece(start, c.End, fileOffset));
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
    }

    public int PageSize { get; }

    public ulong MaxPfn { get; }

    public IReadOnlyList<PfnRange> Ranges { get; }

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

    public PageState GetPageState(ulong pfn)
    {
        if (pfn >= MaxPfn)
        {
            return PageState.NotInDump;
        }

        var index = Find(pfn * (ulong)PageSize);
        return index < 0 ? PageState.NotInDump : _pieces[index].FileOffset switch
        {
            ZeroFilled => PageState.Zero,
            CutOff => PageState.Incomplete,
            _ => PageState.Present,
        };
    }

    public ulong SameStateEnd(ulong pfn)
    {
        if (pfn >= MaxPfn)
        {
            return pfn + 1;
        }

        // A page's state is that of the piece holding its first byte (or of the gap it starts in).
        var address = pfn * (ulong)PageSize;
        var index = Array.BinarySearch(_starts, address);
        var last = index >= 0 ? index : ~index - 1; // the piece starting last at or before the address
        var runEnd = last >= 0 && address < _pieces[last].End ? _pieces[last].End
            : last + 1 < _starts.Length ? _starts[last + 1] : MaxPfn * (ulong)PageSize;
        return Math.Max(pfn + 1, (runEnd + (ulong)PageSize - 1) / (ulong)PageSize);
    }

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var address = physicalAddress;
        while (!destination.IsEmpty)
        {
            var index = Find(address);
            if (index < 0)
            {
                failure = new PhysicalReadFailure(address, PageState.NotInDump);
                return false;
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
    private static List<Piece> FillGaps(List<Piece> pieces, List<Piece> cut)
    {
        // Overlapping cut-off runs (an alias of a cut segment) become one first.
        cut.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<Piece>(cut.Count);
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
        var result = new List<Piece>(pieces);
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
                    result.Add(new Piece(at, pieces[i].Start, CutOff));
                }

                at = Math.Max(at, pieces[i].End);
            }

            if (at < c.End)
            {
                result.Add(new Piece(at, c.End, CutOff));
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

    private static List<PfnRange> BuildRanges(Piece[] pieces, ulong pageSize)
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
