using System.Buffers.Binary;
using System.Numerics;
using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Kdump;

/// <summary>
/// Physical memory of a kdump-compressed dump (one file or a split set). A PFN's state comes from the
/// bitmaps; a dumped PFN's descriptor index is its rank in the dumped bitmap from the file's start PFN
/// (O(1) with the rank index). Pages decompress into the caller's buffer or a per-thread cache.
/// </summary>
internal sealed class KdumpPhysicalMemory : IPhysicalMemory, IDisposable
{
    private readonly KdumpFile[] _files;
    private readonly ThreadLocal<PageDecoder> _decoders;
    private readonly Lazy<IReadOnlyList<PfnRange>> _ranges;

    /// <param name="files">Sorted by start PFN, with disjoint ranges, all with the same page size and max_mapnr.</param>
    public KdumpPhysicalMemory(KdumpFile[] files)
    {
        _files = files;
        PageSize = files[0].PageSize;
        MaxPfn = files[0].Header.MaxMapnr;
        _decoders = new ThreadLocal<PageDecoder>(() => new PageDecoder(PageSize), trackAllValues: true);
        _ranges = new Lazy<IReadOnlyList<PfnRange>>(ComputeRanges);
    }

    public int PageSize { get; }

    public ulong MaxPfn { get; }

    public IReadOnlyList<PfnRange> Ranges => _ranges.Value;

    public PageState GetPageState(ulong pfn) => Locate(pfn, out _, out _);

    /// <summary>Finds the page's state and, for Present pages, its file and descriptor.</summary>
    private PageState Locate(ulong pfn, out KdumpFile file, out PageDescriptor descriptor)
    {
        descriptor = default;
        file = _files[0];
        if (pfn >= MaxPfn)
        {
            return PageState.NotInDump;
        }

        if (!file.Dumped.IsSet(pfn))
        {
            return file.Present.IsSet(pfn) ? PageState.Excluded : PageState.NotInDump;
        }

        var owner = FindFile(pfn);
        if (owner is null)
        {
            // The bitmap says dumped, but no part of the split set we were given covers it.
            return PageState.Incomplete;
        }

        file = owner;
        var index = file.Dumped.Rank(pfn) - file.Dumped.Rank(file.Header.StartPfn);
        if (index >= file.DescriptorsInFile)
        {
            return PageState.Incomplete;
        }

        descriptor = file.ReadDescriptor(index);
        if (descriptor.Offset == 0 && descriptor.Size == 0)
        {
            // makedumpfile leaves descriptors it never reached zero (a full disk: INCOMPLETE).
            return PageState.Incomplete;
        }

        if (descriptor.Offset == file.ZeroPageOffset && descriptor.Flags == 0 && descriptor.Size == PageSize)
        {
            return PageState.Zero;
        }

        if (descriptor.Size == 0 || descriptor.Size > PageSize || descriptor.Offset < file.DataOffset
            || BitOperations.PopCount(descriptor.Flags & KdumpLayout.CompressionMask) > 1
            || (descriptor.Flags & KdumpLayout.CompressionMask) == 0 && descriptor.Size != PageSize)
        {
            return PageState.Corrupt;
        }

        if (!file.File.Contains(descriptor.Offset, descriptor.Size))
        {
            return file.Header.IsIncomplete ? PageState.Incomplete : PageState.Corrupt;
        }

        return PageState.Present;
    }

    private KdumpFile? FindFile(ulong pfn)
    {
        if (_files.Length == 1)
        {
            return pfn >= _files[0].Header.StartPfn && pfn < _files[0].Header.EndPfn ? _files[0] : null;
        }

        foreach (var f in _files)
        {
            if (pfn >= f.Header.StartPfn && pfn < f.Header.EndPfn)
            {
                return f;
            }
        }

        return null;
    }

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var pageSize = (ulong)PageSize;
        var address = physicalAddress;
        while (!destination.IsEmpty)
        {
            var pfn = address / pageSize;
            var inPage = (int)(address % pageSize);
            var count = Math.Min(destination.Length, PageSize - inPage);
            var state = ReadPage(pfn, inPage, destination[..count]);
            if (state != PageState.Present)
            {
                failure = new PhysicalReadFailure(address, state);
                return false;
            }

            destination = destination[count..];
            address += (ulong)count;
        }

        failure = default;
        return true;
    }

    /// <summary>
    /// The bytes a present page has in the file and their compression (None: raw), for copying a page
    /// into another file of the same compression without recompressing it. False for other states.
    /// </summary>
    internal bool TryGetStored(ulong pfn, out ReadOnlySpan<byte> stored, out PageCompression compression)
    {
        stored = default;
        compression = PageCompression.None;
        if (Locate(pfn, out var file, out var descriptor) != PageState.Present)
        {
            return false;
        }

        stored = file.File.Unsafe(descriptor.Offset, (int)descriptor.Size);
        var flag = descriptor.Flags & KdumpLayout.CompressionMask;
        compression = flag == 0 ? PageCompression.None : KindOf(flag);
        return true;
    }

    /// <summary>Copies part of one page; returns Present on success (a zero page counts), else the failing state.</summary>
    private PageState ReadPage(ulong pfn, int inPage, Span<byte> destination)
    {
        var state = Locate(pfn, out var file, out var descriptor);
        if (state == PageState.Zero)
        {
            destination.Clear();
            return PageState.Present;
        }

        if (state != PageState.Present)
        {
            return state;
        }

        var stored = file.File.Unsafe(descriptor.Offset, (int)descriptor.Size);
        var compression = descriptor.Flags & KdumpLayout.CompressionMask;
        if (compression == 0)
        {
            stored.Slice(inPage, destination.Length).CopyTo(destination);
            return PageState.Present;
        }

        var decoder = _decoders.Value!;
        var kind = KindOf(compression);
        if (inPage == 0 && destination.Length == PageSize)
        {
            return decoder.Decompressor(kind).TryDecompress(stored, destination) ? PageState.Present : PageState.Corrupt;
        }

        var slot = decoder.Slot(pfn, out var hit);
        if (!hit)
        {
            if (!decoder.Decompressor(kind).TryDecompress(stored, slot))
            {
                decoder.Invalidate(pfn);
                return PageState.Corrupt;
            }

            decoder.Fill(pfn);
        }

        slot.Slice(inPage, destination.Length).CopyTo(destination);
        return PageState.Present;
    }

    private static PageCompression KindOf(uint flag) => flag switch
    {
        KdumpLayout.CompressedZlib => PageCompression.Zlib,
        KdumpLayout.CompressedLzo => PageCompression.Lzo,
        KdumpLayout.CompressedSnappy => PageCompression.Snappy,
        _ => PageCompression.Zstd,
    };

    private List<PfnRange> ComputeRanges()
    {
        // Runs of set bits in the "memory exists" bitmap, 64 bits at a time.
        var bitmap = _files[0].Present;
        var file = _files[0].File;
        var ranges = new List<PfnRange>();
        var bits = bitmap.Bits;
        ulong? runStart = null;
        Span<byte> buffer = stackalloc byte[8];
        for (ulong word = 0; word * 64 < bits; word++)
        {
            var bytes = (int)Math.Min(8, ((bits + 7) / 8) - (word * 8));
            buffer.Clear();
            file.Unsafe(bitmap.Offset + (long)(word * 8), bytes).CopyTo(buffer);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
            var validBits = (int)Math.Min(64, bits - (word * 64));
            if (validBits < 64)
            {
                value &= (1UL << validBits) - 1;
            }

            if (value == ulong.MaxValue && runStart is not null)
            {
                continue;
            }

            for (var bit = 0; bit < validBits; bit++)
            {
                var set = (value & (1UL << bit)) != 0;
                var pfn = (word * 64) + (ulong)bit;
                if (set && runStart is null)
                {
                    runStart = pfn;
                }
                else if (!set && runStart is not null)
                {
                    ranges.Add(new PfnRange(runStart.Value, pfn));
                    runStart = null;
                }
            }
        }

        if (runStart is not null)
        {
            ranges.Add(new PfnRange(runStart.Value, bits));
        }

        return ranges;
    }

    public void Dispose()
    {
        foreach (var decoder in _decoders.Values)
        {
            decoder.Dispose();
        }

        _decoders.Dispose();
    }
}
