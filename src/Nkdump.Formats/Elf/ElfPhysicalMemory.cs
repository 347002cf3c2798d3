using Nkdump.Formats.IO;

namespace Nkdump.Formats.Elf;

/// <summary>
/// Physical memory of an ELF core: PT_LOAD segments placed by p_paddr. Overlapping segments are
/// resolved once at open time into disjoint pieces: /proc/vmcore's first PT_LOAD is the kernel text
/// map whose pages repeat inside a direct-map segment (fs/proc/vmcore.c, x86_64 since 2.6), and QEMU's
/// paging dumps map one physical page at several virtual addresses. Any copy is the same bytes, so
/// the segment that starts first wins. The bytes between p_filesz and p_memsz read as zeros.
/// </summary>
internal sealed class ElfPhysicalMemory : IPhysicalMemory
{
    /// <summary>One disjoint run of physical bytes [Start, End); FileOffset -1 means zero-filled.</summary>
    private readonly record struct Piece(ulong Start, ulong End, long FileOffset);

    private readonly MappedFile _file;
    private readonly Piece[] _pieces;
    private readonly ulong[] _starts;

    public ElfPhysicalMemory(MappedFile file, IReadOnlyList<ElfSegment> segments, int pageSize)
    {
        _file = file;
        PageSize = pageSize;
        var candidates = new List<Piece>();
        foreach (var s in segments)
        {
            if (!s.IsLoad || s.MemorySize == 0)
            {
                continue;
            }

            var dataEnd = s.PhysicalAddress + Math.Min(s.FileSize, s.MemorySize);
            if (s.FileSize > 0)
            {
                candidates.Add(new Piece(s.PhysicalAddress, dataEnd, (long)s.Offset));
            }

            if (s.MemorySize > s.FileSize)
            {
                candidates.Add(new Piece(dataEnd, s.PhysicalAddress + s.MemorySize, -1));
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

    public PageState GetPageState(ulong pfn)
    {
        if (pfn >= MaxPfn)
        {
            return PageState.NotInDump;
        }

        var index = Find(pfn * (ulong)PageSize);
        return index < 0 ? PageState.NotInDump : _pieces[index].FileOffset < 0 ? PageState.Zero : PageState.Present;
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
            var count = (int)Math.Min((ulong)destination.Length, piece.End - address);
            if (piece.FileOffset < 0)
            {
                destination[..count].Clear();
            }
            else
            {
                _file.Unsafe(piece.FileOffset + (long)(address - piece.Start), count).CopyTo(destination);
            }

            destination = destination[count..];
            address += (ulong)count;
        }

        failure = default;
        return true;
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
