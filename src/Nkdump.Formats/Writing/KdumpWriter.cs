using System.Buffers.Binary;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Writing;

/// <summary>
/// Writes a kdump-compressed file (header version 6) the way makedumpfile lays it out: header,
/// sub-header with the notes copy, both bitmaps, the page descriptor table, the shared zero page,
/// then page data in PFN order.
/// <para>
/// Pages arrive in PFN order, either raw (<see cref="WritePage"/>, compressed here) or already
/// compressed by a parallel collector's workers (<see cref="WriteStored"/>). The header is written
/// first with the INCOMPLETE flag and the descriptor table is pre-allocated with zeros, so when a
/// write fails mid-dump (a full disk) the descriptors already handed in can still be written over
/// allocated space, and the file stays readable up to where its data stops. <see cref="Complete"/>
/// clears the flag. Page data is buffered here (1 MiB writes), so give it an unbuffered stream.
/// </para>
/// </summary>
public sealed class KdumpWriter : IDisposable
{
    private const int DescriptorBatch = 4096;

    private readonly Stream _output;
    private readonly KdumpWriterOptions _options;
    private readonly KdumpHeader _header;
    private readonly int _pageSize;
    private readonly byte[] _descriptors = new byte[DescriptorBatch * KdumpLayout.DescriptorSize];
    private readonly ulong _startPfn;
    private readonly ulong _endPfn;
    private IPageCompressor? _compressor;
    private byte[]? _compressed;
    private long _batchFirstIndex;
    private int _batchCount;
    private readonly byte[] _dataBuffer = new byte[1 << 20];
    private int _dataBuffered;
    private long _dataPosition;
    private ulong _nextPfn;
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
        _startPfn = options.SplitRange?.StartPfn ?? 0;
        _endPfn = options.SplitRange?.EndPfn ?? options.MaxMapnr;
        if (options.Present.Bits < options.MaxMapnr || options.Dumped.Bits < options.MaxMapnr || _startPfn > _endPfn || _endPfn > options.MaxMapnr)
        {
            throw new ArgumentException("the bitmaps must cover max_mapnr and the split range must lie inside it", nameof(options));
        }

        long bs = _pageSize;
        var notes = EncodeNotes(options.Notes, out var vmcoreinfoOffset, out var vmcoreinfoSize);
        var subHeaderBlocks = (int)((KdumpLayout.SubHeaderLength + notes.Length + bs - 1) / bs);
        var bitmapBytes = (long)((options.MaxMapnr + (ulong)(8 * bs) - 1) / (ulong)(8 * bs)) * bs;
        DescriptorCount = options.Dumped.Count(_startPfn, _endPfn);
        DescriptorTableOffset = (1 + subHeaderBlocks) * bs + (2 * bitmapBytes);
        DataOffset = DescriptorTableOffset + (DescriptorCount * KdumpLayout.DescriptorSize);
        _dataPosition = DataOffset + bs;
        _nextPfn = options.Dumped.NextSet(_startPfn);
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
            StartPfn32 = _startPfn,
            EndPfn32 = options.SplitRange is null ? 0 : _endPfn,
            StartPfn64 = _startPfn,
            EndPfn64 = options.SplitRange is null ? 0 : _endPfn,
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

    /// <summary>The next PFN the writer expects, or past the range when every page is in.</summary>
    public ulong NextPfn => _nextPfn;

    /// <summary>Compresses (if that shrinks it) and writes the page of <paramref name="pfn"/>; an all-zero page becomes the shared zero page.</summary>
    public void WritePage(ulong pfn, ReadOnlySpan<byte> page)
    {
        if (page.Length != _pageSize)
        {
            throw new ArgumentException($"a page is {_pageSize} bytes", nameof(page));
        }

        if (page.IndexOfAnyExcept((byte)0) < 0)
        {
            WriteZeroPage(pfn);
            return;
        }

        if (_options.Compression != PageCompression.None)
        {
            _compressor ??= PageCodecs.CreateCompressor(_options.Compression, _pageSize);
            _compressed ??= new byte[_pageSize];
            if (_compressor.TryCompress(page, _compressed.AsSpan(0, _pageSize - 1), out var written))
            {
                WriteStored(pfn, _compressed.AsSpan(0, written), compressed: true);
                return;
            }
        }

        WriteStored(pfn, page, compressed: false);
    }

    /// <summary>
    /// Writes a page a worker already prepared: <paramref name="compressed"/> bytes in the file's
    /// compression, or the raw page (exactly one page long) when it did not shrink. Returns where
    /// the bytes went, for later identical pages (<see cref="WriteCopy"/>).
    /// </summary>
    public StoredPageLocation WriteStored(ulong pfn, ReadOnlySpan<byte> stored, bool compressed)
    {
        CheckStored(stored.Length, compressed, allowZero: false);
        Accept(pfn);
        var flags = compressed ? KdumpHeader.StatusFlag(_options.Compression) : 0;
        if (_dataBuffered + stored.Length > _dataBuffer.Length)
        {
            FlushData();
        }

        var offset = _dataPosition + _dataBuffered;
        stored.CopyTo(_dataBuffer.AsSpan(_dataBuffered));
        _dataBuffered += stored.Length;
        AddDescriptor(offset, (uint)stored.Length, flags);
        return new StoredPageLocation(offset, (uint)stored.Length, flags);
    }

    /// <summary>
    /// Stores the next pages from bytes a worker laid back to back in <paramref name="data"/>, as
    /// <see cref="WriteStored"/> and <see cref="WriteZeroPage"/> would one at a time: page i has
    /// <paramref name="lengths"/>[i] bytes (0 for an all-zero page), compressed or raw as
    /// <paramref name="compressed"/>[i] says. A run of at least <see cref="DirectRunBytes"/> goes to the
    /// file in one write from <paramref name="data"/> itself, not copied through the data buffer first
    /// (that copy was 2 % of a -l -d 31 run's CPU).
    /// </summary>
    public void WriteStoredRun(ReadOnlySpan<ulong> pfns, ReadOnlySpan<int> lengths, ReadOnlySpan<bool> compressed, ReadOnlySpan<byte> data)
    {
        if (lengths.Length != pfns.Length || compressed.Length != pfns.Length)
        {
            throw new ArgumentException("a run needs one length and one compressed flag per page", nameof(lengths));
        }

        // Every page checked before anything is written.
        var total = 0L;
        for (var i = 0; i < pfns.Length; i++)
        {
            CheckStored(lengths[i], compressed[i], allowZero: true);
            total += lengths[i];
        }

        if (total != data.Length)
        {
            throw new ArgumentException($"the run's pages hold {total} bytes, not {data.Length}", nameof(data));
        }

        if (data.Length < DirectRunBytes)
        {
            var at = 0;
            for (var i = 0; i < pfns.Length; i++)
            {
                if (lengths[i] == 0)
                {
                    WriteZeroPage(pfns[i]);
                }
                else
                {
                    WriteStored(pfns[i], data.Slice(at, lengths[i]), compressed[i]);
                    at += lengths[i];
                }
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
            if (lengths[i] == 0)
            {
                WriteZeroPage(pfns[i]);
                continue;
            }

            Accept(pfns[i]);
            AddDescriptor(offset, (uint)lengths[i], compressed[i] ? KdumpHeader.StatusFlag(_options.Compression) : 0);
            offset += lengths[i];
        }
    }

    /// <summary>
    /// Runs of at least this many bytes (64 KiB) bypass the data buffer (<see cref="WriteStoredRun"/>):
    /// a one-CPU capture's chunks of 64 pages hold 100-250 KiB, and one write of that costs less than
    /// copying it; smaller runs are gathered in the buffer so that writes stay large.
    /// </summary>
    public int DirectRunBytes => 64 << 10;

    private void CheckStored(int length, bool compressed, bool allowZero)
    {
        if (allowZero && length == 0)
        {
            return;
        }

        if (!compressed && length != _pageSize)
        {
            throw new ArgumentException($"a raw page is {_pageSize} bytes", nameof(length));
        }

        if (length == 0 || length > _pageSize || (compressed && _options.Compression == PageCompression.None))
        {
            throw new ArgumentException("stored page size or compression does not fit this file", nameof(length));
        }
    }

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

        Accept(pfn);
        AddDescriptor(earlier.Offset, earlier.Size, earlier.Flags);
    }

    /// <summary>Records <paramref name="pfn"/> as an all-zero page (the shared zero page's descriptor).</summary>
    public void WriteZeroPage(ulong pfn)
    {
        Accept(pfn);
        AddDescriptor(DataOffset, (uint)_pageSize, 0);
    }

    /// <summary>Writes the last descriptors and the final header (INCOMPLETE cleared).</summary>
    public void Complete()
    {
        if (PagesWritten != DescriptorCount)
        {
            throw new InvalidOperationException($"{DescriptorCount - PagesWritten} dumped pages were not written (next expected PFN 0x{_nextPfn:x})");
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

    private void Accept(ulong pfn)
    {
        if (_failed)
        {
            throw new InvalidOperationException("an earlier write failed; the file is left INCOMPLETE");
        }

        if (pfn != _nextPfn || pfn >= _endPfn)
        {
            throw new InvalidOperationException($"page 0x{pfn:x} out of order: the next dumped PFN is 0x{_nextPfn:x}");
        }

        _nextPfn = _options.Dumped.NextSet(pfn + 1);
        if (_nextPfn > _endPfn)
        {
            _nextPfn = _endPfn;
        }
    }

    private void AddDescriptor(long offset, uint size, uint flags)
    {
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
        _batchFirstIndex += _batchCount;
        _batchCount = 0;
    }

    private void WriteHead(byte[] notes, long bitmapBytes)
    {
        Guard(() =>
        {
            WriteHeaderBlock();
            _output.Write(notes);
            var bitmap = new byte[bitmapBytes];
            _output.Position = (1 + _header.SubHeaderBlocks) * (long)_pageSize;
            _options.Present.CopyTo(bitmap);
            _output.Write(bitmap);
            _options.Dumped.CopyTo(bitmap);
            _output.Write(bitmap);

            // Pre-allocate the descriptor table (see the class comment), then the zero page.
            var zeros = new byte[Math.Max(_pageSize, 1 << 16)];
            for (var remaining = DescriptorCount * KdumpLayout.DescriptorSize; remaining > 0; remaining -= zeros.Length)
            {
                _output.Write(zeros, 0, (int)Math.Min(zeros.Length, remaining));
            }

            _output.Write(zeros, 0, _pageSize);
        });
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
                _batchFirstIndex += _batchCount;
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

        _compressor?.Dispose();
    }
}

/// <summary>Where a stored page's bytes are in a kdump-compressed file: a descriptor's offset, size and flags.</summary>
public readonly record struct StoredPageLocation(long Offset, uint Size, uint Flags);
