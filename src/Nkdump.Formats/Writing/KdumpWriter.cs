using System.Buffers.Binary;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Limits;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Writing;

/// <summary>
/// Writes a kdump-compressed file (header version 6) the way makedumpfile lays it out: header,
/// sub-header with the notes copy, both bitmaps, the page descriptor table, the shared zero page,
/// then page data in PFN order.
/// <para>
/// Pages arrive in PFN order, already encoded by the collector's pipeline (<see cref="IDumpWriter"/>),
/// or, with <see cref="KdumpWriterOptions.PagesInAnyOrder"/>, in any order (the most important pages
/// first): a descriptor holds its page's offset, so the data section need not follow PFN order, and
/// crash, libkdumpfile and makedumpfile read such files alike.
/// The header is written first with the INCOMPLETE flag and the descriptor table is pre-allocated with zeros, so when a
/// write fails mid-dump (a full disk) the descriptors already handed in can still be written over
/// allocated space, and the file stays readable up to where its data stops. <see cref="Complete"/>
/// clears the flag. Page data is buffered here (1 MiB writes), so give it an unbuffered stream.
/// </para>
/// </summary>
public sealed class KdumpWriter : IDumpWriter
{
    private const int DescriptorBatch = 4096;

    /// <summary>
    /// 64 KiB of bitmap (512 Ki page frames, 2 GiB of memory) per write: small enough that the holes
    /// of a sparse memory map stay holes, large enough that a dense bitmap takes few writes.
    /// </summary>
    private const int BitmapWindowBytes = 1 << 16;

    private readonly Stream _output;
    private readonly KdumpWriterOptions _options;
    private readonly KdumpHeader _header;
    private readonly int _pageSize;
    private readonly byte[] _descriptors = new byte[DescriptorBatch * KdumpLayout.DescriptorSize];
    private readonly PageSetCursor _pages;
    private long _batchFirstIndex;
    private int _batchCount;
    private readonly byte[] _dataBuffer = new byte[1 << 20];
    private int _dataBuffered;
    private long _dataPosition;
    private bool _failed;
    private bool _completed;

    public KdumpWriter(Stream output, KdumpWriterOptions options)
    {
        if (!output.CanSeek)
        {
            throw new ArgumentException("a kdump-compressed file needs a seekable stream (use FlattenedWriteStream for pipes)", nameof(output));
        }

        _output = output;
        _options = options;
        _pageSize = options.PageSize;
        var startPfn = options.SplitRange?.StartPfn ?? 0;
        var endPfn = options.SplitRange?.EndPfn ?? options.MaxMapnr;
        if (options.Present.Bits < options.MaxMapnr || options.Dumped.Bits < options.MaxMapnr || startPfn > endPfn || endPfn > options.MaxMapnr)
        {
            throw new ArgumentException("the bitmaps must cover max_mapnr and the split range must lie inside it", nameof(options));
        }

        if (options.MaxMapnr > InputLimits.Dump.KdumpMaxMapnr)
        {
            throw new NkdumpException($"max_mapnr {options.MaxMapnr}: nkdump writes kdump-compressed files up to max_mapnr {InputLimits.Dump.KdumpMaxMapnr} (physical addresses below 64 TiB); write ELF instead");
        }

        _pages = new PageSetCursor(options.Dumped, startPfn, endPfn, options.PagesInAnyOrder);

        long bs = _pageSize;
        var notes = EncodeNotes(options.Notes, out var vmcoreinfoOffset, out var vmcoreinfoSize);
        var subHeaderBlocks = (int)((KdumpLayout.SubHeaderLength + notes.Length + bs - 1) / bs);
        var bitmapBytes = (long)((options.MaxMapnr + (ulong)(8 * bs) - 1) / (ulong)(8 * bs)) * bs;
        DescriptorCount = _pages.Count;
        DescriptorTableOffset = (1 + subHeaderBlocks) * bs + (2 * bitmapBytes);
        DataOffset = DescriptorTableOffset + (DescriptorCount * KdumpLayout.DescriptorSize);
        _dataPosition = DataOffset + bs;
        _header = new KdumpHeader
        {
            HeaderVersion = KdumpLayout.CurrentHeaderVersion,
            Utsname = [.. Enumerable.Range(0, 6).Select(i => i < options.Utsname.Count ? options.Utsname[i] : "")],
            TimestampSeconds = options.TimestampSeconds,
            Status = KdumpHeader.StatusFlag(options.Compression) | KdumpLayout.Incomplete,
            BlockSize = _pageSize,
            SubHeaderBlocks = subHeaderBlocks,
            BitmapBlocks = (uint)(2 * bitmapBytes / bs),
            MaxMapnr32 = (uint)Math.Min(options.MaxMapnr, uint.MaxValue),
            NrCpus = options.Notes.Count(n => n.Type == ElfNote.NtPrstatus && n.Name == "CORE"),
            PhysBase = options.PhysBase,
            DumpLevel = options.DumpLevel,
            Split = options.SplitRange is null ? 0 : 1,
            StartPfn32 = startPfn,
            EndPfn32 = options.SplitRange is null ? 0 : endPfn,
            StartPfn64 = startPfn,
            EndPfn64 = options.SplitRange is null ? 0 : endPfn,
            OffsetNote = notes.Length == 0 ? 0 : bs + KdumpLayout.SubHeaderLength,
            SizeNote = (ulong)notes.Length,
            OffsetVmcoreinfo = vmcoreinfoOffset < 0 ? 0 : bs + KdumpLayout.SubHeaderLength + vmcoreinfoOffset,
            SizeVmcoreinfo = (ulong)vmcoreinfoSize,
            MaxMapnr64 = options.MaxMapnr,
        };
        WriteHead(notes, bitmapBytes);
    }

    /// <summary>Descriptors this file holds (dumped pages in its PFN range).</summary>
    public long DescriptorCount { get; }

    public long DescriptorTableOffset { get; }

    /// <summary>Where the shared zero page is; page data follows it.</summary>
    public long DataOffset { get; }

    /// <summary>Pages handed in so far.</summary>
    public long PagesWritten { get; private set; }

    /// <summary>The next PFN the writer expects in PFN order, or past the range when every page is in (in order).</summary>
    public ulong NextPfn => _pages.Next;

    public int PageSize => _pageSize;

    public PageCompression Compression => _options.Compression;

    long IDumpWriter.PageCount => DescriptorCount;

    /// <summary>A descriptor can point at any page's bytes: identical pages are stored once.</summary>
    public bool StoresCopies => true;

    /// <summary>Stores one page; returns where its bytes went (null for a zero page), for later identical pages (<see cref="WriteCopy"/>).</summary>
    public StoredPageLocation? WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes)
    {
        EncodedPages.Check(encoding, bytes.Length, _pageSize, _options.Compression);
        if (encoding == PageEncoding.Zero)
        {
            WriteZeroPage(pfn);
            return null;
        }

        var index = Accept(pfn);
        var flags = encoding == PageEncoding.Compressed ? KdumpHeader.StatusFlag(_options.Compression) : 0;
        if (_dataBuffered + bytes.Length > _dataBuffer.Length)
        {
            FlushData();
        }

        var offset = _dataPosition + _dataBuffered;
        bytes.CopyTo(_dataBuffer.AsSpan(_dataBuffered));
        _dataBuffered += bytes.Length;
        AddDescriptor(index, offset, (uint)bytes.Length, flags);
        return new StoredPageLocation(offset, (uint)bytes.Length, flags);
    }

    /// <summary>
    /// Stores the next pages from bytes a worker laid back to back in <paramref name="data"/>, as
    /// <see cref="WritePage"/> would one at a time. A run of at least <see cref="DirectRunBytes"/> goes
    /// to the file in one write from <paramref name="data"/> itself, not copied through the data buffer
    /// first (that copy was 2 % of a -l -d 31 run's CPU).
    /// </summary>
    public void WritePages(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data)
    {
        // Every page checked before anything is written.
        EncodedPages.CheckRun(pfns, encodings, lengths, data, _pageSize, _options.Compression);
        if (data.Length < DirectRunBytes)
        {
            var at = 0;
            for (var i = 0; i < pfns.Length; i++)
            {
                WritePage(pfns[i], encodings[i], data.Slice(at, lengths[i]));
                at += lengths[i];
            }

            return;
        }

        // Whatever is buffered lies before this run in the file.
        FlushData();
        var offset = _dataPosition;
        if (_failed)
        {
            throw new InvalidOperationException("an earlier write failed; the file is left INCOMPLETE");
        }

        WriteAt(offset, data);
        _dataPosition += data.Length;
        for (var i = 0; i < pfns.Length; i++)
        {
            if (encodings[i] == PageEncoding.Zero)
            {
                WriteZeroPage(pfns[i]);
                continue;
            }

            AddDescriptor(Accept(pfns[i]), offset, (uint)lengths[i], encodings[i] == PageEncoding.Compressed ? KdumpHeader.StatusFlag(_options.Compression) : 0);
            offset += lengths[i];
        }
    }

    /// <summary>
    /// Runs of at least this many bytes (64 KiB) bypass the data buffer (<see cref="WritePages"/>):
    /// a one-CPU capture's chunks of 64 pages hold 100-250 KiB, and one write of that costs less than
    /// copying it; smaller runs are gathered in the buffer so that writes stay large.
    /// </summary>
    public int DirectRunBytes => 64 << 10;

    /// <summary>
    /// Records <paramref name="pfn"/> as holding the same bytes as a page stored earlier in this
    /// file: its descriptor points at that page's data, as every zero page's points at the shared
    /// zero page (readers find a page's bytes through its descriptor alone).
    /// </summary>
    public void WriteCopy(ulong pfn, StoredPageLocation earlier)
    {
        if (earlier.Offset <= DataOffset || earlier.Offset + earlier.Size > _dataPosition + _dataBuffered || earlier.Size == 0 || earlier.Size > _pageSize)
        {
            throw new ArgumentException($"no page was stored at {earlier.Offset} ({earlier.Size} bytes) in this file", nameof(earlier));
        }

        AddDescriptor(Accept(pfn), earlier.Offset, earlier.Size, earlier.Flags);
    }

    /// <summary>Records <paramref name="pfn"/> as an all-zero page (the shared zero page's descriptor).</summary>
    public void WriteZeroPage(ulong pfn)
    {
        AddDescriptor(Accept(pfn), DataOffset, (uint)_pageSize, 0);
    }

    /// <summary>Writes the last descriptors and the final header (INCOMPLETE cleared).</summary>
    public void Complete()
    {
        if (PagesWritten != DescriptorCount)
        {
            throw new InvalidOperationException($"{DescriptorCount - PagesWritten} dumped pages were not written (next expected PFN 0x{_pages.Next:x})");
        }

        FlushData();
        FlushDescriptors();
        _header.Status &= ~KdumpLayout.Incomplete;
        Guard(() =>
        {
            WriteHeaderBlock();
            _output.Flush();
        });
        _completed = true;
    }

    /// <summary>
    /// Writes what was handed in so far and stops: the header on disk keeps INCOMPLETE, the descriptors
    /// of pages never handed in stay zero (offset 0, size 0), which crash, libkdumpfile and nkdump read
    /// as pages missing from an incomplete dump, as makedumpfile leaves them when the disk fills up.
    /// </summary>
    public void Stop()
    {
        if (_failed || _completed)
        {
            return;
        }

        FlushData();
        FlushDescriptors();
        Guard(() => _output.Flush());
        _completed = true;
    }

    /// <summary>The bytes of the file so far: head, descriptor table, zero page and the page data handed in.</summary>
    public long BytesWritten => _dataPosition + _dataBuffered;

    /// <summary>Takes <paramref name="pfn"/> and returns its descriptor's index.</summary>
    private long Accept(ulong pfn)
    {
        if (_failed)
        {
            throw new InvalidOperationException("an earlier write failed; the file is left INCOMPLETE");
        }

        return _pages.Accept(pfn);
    }

    /// <summary>Queues descriptor <paramref name="index"/>; the batch is written when full or when the next index does not follow it.</summary>
    private void AddDescriptor(long index, long offset, uint size, uint flags)
    {
        if (_batchCount > 0 && index != _batchFirstIndex + _batchCount)
        {
            FlushDescriptors();
        }

        if (_batchCount == 0)
        {
            _batchFirstIndex = index;
        }

        var d = _descriptors.AsSpan(_batchCount * KdumpLayout.DescriptorSize, KdumpLayout.DescriptorSize);
        BinaryPrimitives.WriteInt64LittleEndian(d, offset);
        BinaryPrimitives.WriteUInt32LittleEndian(d[KdumpLayout.DescSize..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(d[KdumpLayout.DescFlags..], flags);
        BinaryPrimitives.WriteUInt64LittleEndian(d[KdumpLayout.DescPageFlags..], 0);
        _batchCount++;
        PagesWritten++;
        if (_batchCount == DescriptorBatch)
        {
            FlushDescriptors();
        }
    }

    /// <summary>Writes the buffered page data at its place (one large write instead of one per page).</summary>
    private void FlushData()
    {
        if (_dataBuffered == 0)
        {
            return;
        }

        var at = _dataPosition;
        var count = _dataBuffered;
        WriteAt(at, _dataBuffer.AsSpan(0, count));
        _dataPosition += count;
        _dataBuffered = 0;
    }

    private void FlushDescriptors()
    {
        if (_batchCount == 0)
        {
            return;
        }

        var at = DescriptorTableOffset + (_batchFirstIndex * KdumpLayout.DescriptorSize);
        var count = _batchCount;
        WriteAt(at, _descriptors.AsSpan(0, count * KdumpLayout.DescriptorSize));
        _batchCount = 0;
    }

    private void WriteHead(byte[] notes, long bitmapBytes)
    {
        Guard(() =>
        {
            WriteHeaderBlock();
            _output.Write(notes);
            var bitmapsAt = (1 + _header.SubHeaderBlocks) * (long)_pageSize;
            WriteBitmap(_options.Present, bitmapsAt, bitmapBytes);
            WriteBitmap(_options.Dumped, bitmapsAt + bitmapBytes, bitmapBytes);

            // Pre-allocate the descriptor table (see the class comment), then the zero page.
            _output.Position = DescriptorTableOffset;
            var zeros = new byte[Math.Max(_pageSize, 1 << 16)];
            for (var remaining = DescriptorCount * KdumpLayout.DescriptorSize; remaining > 0; remaining -= zeros.Length)
            {
                _output.Write(zeros, 0, (int)Math.Min(zeros.Length, remaining));
            }

            _output.Write(zeros, 0, _pageSize);
        });
    }

    /// <summary>
    /// The bytes the two bitmaps of a kdump-compressed file of <paramref name="maxMapnr"/> frames take
    /// on disk when memory is <paramref name="ranges"/> (sorted): the windows of <see cref="BitmapWindowBytes"/>
    /// that hold a frame of memory, since the others are holes (<see cref="WriteBitmap"/>). An upper
    /// bound: the capture's free-space check asks for this, not for max_mapnr / 4 bytes.
    /// </summary>
    public static long BitmapBytesOnDisk(IReadOnlyList<PfnRange> ranges, ulong maxMapnr)
    {
        const ulong framesPerWindow = BitmapWindowBytes * 8UL;
        ulong windows = 0, nextUncounted = 0;
        foreach (var range in ranges)
        {
            var end = Math.Min(range.EndPfn, maxMapnr);
            if (range.StartPfn >= end)
            {
                continue;
            }

            var first = Math.Max(range.StartPfn / framesPerWindow, nextUncounted);
            var last = (end - 1) / framesPerWindow;
            if (first <= last)
            {
                windows += last - first + 1;
                nextUncounted = last + 1;
            }
        }

        var whole = (maxMapnr + 7) / 8;
        return 2 * (long)Math.Min(whole, windows * BitmapWindowBytes);
    }

    /// <summary>
    /// Writes one bitmap of <paramref name="bytes"/> bytes at <paramref name="at"/>, a window of
    /// <see cref="BitmapWindowBytes"/> at a time: its size follows max_mapnr, not the pages present
    /// (2 GiB at <see cref="InputLimits.Dump.KdumpMaxMapnr"/>). A window with no bit set is not written at all:
    /// memory holes become holes in the file (or missing records in a flattened stream, which
    /// reassembly leaves as zeros), read as the zeros they are.
    /// </summary>
    private void WriteBitmap(PfnBitmap bitmap, long at, long bytes)
    {
        var window = new byte[(int)Math.Min(bytes, BitmapWindowBytes)];
        for (long done = 0; done < bytes; done += window.Length)
        {
            var length = (int)Math.Min(window.Length, bytes - done);
            var first = (ulong)done * 8;
            if (bitmap.IsClear(first, first + ((ulong)length * 8)))
            {
                continue;
            }

            bitmap.CopyTo(first, window.AsSpan(0, length));
            _output.Position = at + done;
            _output.Write(window, 0, length);
        }
    }

    private void WriteHeaderBlock()
    {
        var block = new byte[_pageSize + KdumpLayout.SubHeaderLength];
        _header.WriteMain(block);
        _header.WriteSub(block.AsSpan(_pageSize));
        _output.Position = 0;
        _output.Write(block);
    }

    private static byte[] EncodeNotes(IReadOnlyList<ElfNote> notes, out long vmcoreinfoOffset, out int vmcoreinfoSize)
    {
        using var buffer = new MemoryStream();
        vmcoreinfoOffset = -1;
        vmcoreinfoSize = 0;
        foreach (var note in notes)
        {
            if (note.Name == ElfNote.VmcoreInfoName && vmcoreinfoOffset < 0)
            {
                vmcoreinfoOffset = buffer.Length + 12 + ((note.Name.Length + 1 + 3) & ~3);
                vmcoreinfoSize = note.Descriptor.Length;
            }

            note.WriteTo(buffer);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="at"/> as <see cref="Guard"/> would (whose
    /// lambda cannot capture a span): an I/O error marks the writer failed, saves what it can, rethrows.
    /// </summary>
    private void WriteAt(long at, ReadOnlySpan<byte> data)
    {
        try
        {
            _output.Position = at;
            _output.Write(data);
        }
        catch (IOException) when (!_failed)
        {
            Fail();
            throw;
        }
    }

    /// <summary>Runs a write; on an I/O error marks the writer failed, saves what it can, and rethrows.</summary>
    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException) when (!_failed)
        {
            Fail();
            throw;
        }
    }

    private void Fail()
    {
        _failed = true;
        SalvageAfterFailure();
    }

    /// <summary>
    /// After a failed write: put the pending descriptors into the pre-allocated table (pages whose data
    /// never reached the disk point past the end of the file, which readers treat as missing). The
    /// header on disk still carries INCOMPLETE.
    /// </summary>
    private void SalvageAfterFailure()
    {
        try
        {
            if (_batchCount > 0)
            {
                _output.Position = DescriptorTableOffset + (_batchFirstIndex * KdumpLayout.DescriptorSize);
                _output.Write(_descriptors, 0, _batchCount * KdumpLayout.DescriptorSize);
                _batchCount = 0;
            }

            _output.Flush();
        }
        catch (IOException)
        {
            // Nothing more can be saved; the descriptors on disk so far remain valid.
        }
    }

    /// <summary>Flushes what has been written; without <see cref="Complete"/> the file stays INCOMPLETE.</summary>
    public void Dispose()
    {
        if (!_completed && !_failed)
        {
            try
            {
                FlushData();
                FlushDescriptors();
                _output.Flush();
            }
            catch (IOException)
            {
            }
        }
    }
}
