using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Kdump;

/// <summary>
/// One kdump-compressed file (alone, or one part of a --split set): the headers, both bitmaps with
/// their rank indexes, and where the page descriptors are. Everything is validated against the file
/// length at open time, so that the page lookups afterwards need only cheap checks.
/// </summary>
public sealed class KdumpFile : IDisposable
{
    /// <summary>More PFNs than 52-bit physical addresses with 4 KiB pages can have is not a real dump.</summary>

    /// <summary>new_utsname's machine, the fifth of its six fields.</summary>
    private const int MachineField = 4;

    private KdumpFile(ISpanFile file, KdumpHeader header)
    {
        File = file;
        Header = header;
    }

    internal ISpanFile File { get; }

    public string Path => File.Path;

    public KdumpHeader Header { get; }

    public int PageSize => Header.BlockSize;

    internal PageBitmap Present { get; private set; } = null!;

    internal PageBitmap Dumped { get; private set; } = null!;

    /// <summary>File offset of the first page descriptor.</summary>
    public long DescriptorTableOffset { get; private set; }

    /// <summary>Descriptors the bitmap announces for [StartPfn, EndPfn).</summary>
    public long DescriptorCount { get; private set; }

    /// <summary>Descriptors wholly inside the file (less than the count only in an incomplete dump).</summary>
    public long DescriptorsInFile { get; private set; }

    /// <summary>Where page data starts: right after the descriptor table.</summary>
    public long DataOffset { get; private set; }

    /// <summary>The shared all-zero page's offset (makedumpfile writes it first), or -1.</summary>
    public long ZeroPageOffset { get; private set; } = -1;

    public IReadOnlyList<ElfNote> Notes { get; private set; } = [];

    public VmcoreInfo? VmcoreInfo { get; private set; }

    /// <summary>The erase information (makedumpfile --config), or null.</summary>
    public string? EraseInfo { get; private set; }

    public static KdumpFile Open(string path, string? displayPath = null) => Ownership.Take(MappedFile.Open(path, displayPath), Open);

    internal static KdumpFile Open(ISpanFile file)
    {
        var path = file.Path;
        if (file.Length < KdumpLayout.HeaderSize)
        {
            throw new DumpFormatException(path, 0, $"file too short for a kdump header ({file.Length} of {KdumpLayout.HeaderSize} bytes)");
        }

        var raw = file.Span(0, KdumpLayout.HeaderSize);
        if (!raw[..8].SequenceEqual(KdumpLayout.Signature))
        {
            throw new DumpFormatException(path, 0, "no \"KDUMP   \" signature");
        }

        var header = KdumpHeader.ReadMain(raw);

        // makedumpfile copies the crashed kernel's uname machine here, QEMU its target's; before the
        // other fields, whose byte order is the dumped machine's.
        if (header.Utsname[MachineField] is { Length: > 0 } machine && machine != DumpMachine.Supported)
        {
            throw DumpMachine.Unsupported(path, KdumpLayout.Utsname + (MachineField * KdumpLayout.UtsFieldLength), $"{machine} dumps");
        }

        var dump = new KdumpFile(file, header);
        dump.Validate();
        return dump;
    }

    private void Validate()
    {
        var path = Path;
        var h = Header;
        if (h.HeaderVersion < 1 || h.HeaderVersion > 6)
        {
            throw new DumpFormatException(path, KdumpLayout.HeaderVersion, $"header_version {h.HeaderVersion} is not one of 1 to 6");
        }

        if (h.BlockSize < 4096 || h.BlockSize > 65536 || (h.BlockSize & (h.BlockSize - 1)) != 0)
        {
            throw new DumpFormatException(path, KdumpLayout.BlockSize, $"block_size {h.BlockSize} is not a page size (a power of two from 4096 to 65536)");
        }

        long bs = h.BlockSize;
        if (h.SubHeaderBlocks < 1 || (1 + (long)h.SubHeaderBlocks) * bs > File.Length)
        {
            throw new DumpFormatException(path, KdumpLayout.SubHeaderSize, $"sub_hdr_size {h.SubHeaderBlocks} blocks does not fit in the file ({File.Length} bytes)");
        }

        h.ReadSub(File.Span(bs, KdumpLayout.SubHeaderLength));
        var bitmapOffset = (1 + (long)h.SubHeaderBlocks) * bs;
        if (h.BitmapBlocks == 0 || (h.BitmapBlocks & 1) != 0 || bitmapOffset + (h.BitmapBlocks * bs) > File.Length)
        {
            throw new DumpFormatException(path, KdumpLayout.BitmapBlocks, $"bitmap_blocks {h.BitmapBlocks} at offset {bitmapOffset} does not fit in the file ({File.Length} bytes) or is odd");
        }

        var half = h.BitmapBlocks * bs / 2;
        var maxMapnr = h.MaxMapnr;
        var maxMapnrAt = h.HeaderVersion >= 6 ? bs + KdumpLayout.SubMaxMapnr64 : KdumpLayout.MaxMapnr32;
        if (maxMapnr == 0 || maxMapnr > InputLimits.Dump.PageFrames || maxMapnr > (ulong)half * 8)
        {
            throw new DumpFormatException(path, maxMapnrAt, $"max_mapnr {maxMapnr} disagrees with the bitmaps ({half} bytes each hold {half * 8} pages)");
        }

        if (h.StartPfn > h.EndPfn || h.EndPfn > maxMapnr)
        {
            throw new DumpFormatException(path, bs + (h.HeaderVersion >= 6 ? KdumpLayout.SubStartPfn64 : KdumpLayout.SubStartPfn), $"split range [{h.StartPfn}, {h.EndPfn}) is outside [0, max_mapnr {maxMapnr})");
        }

        ReadNotes(bs);
        Present = new PageBitmap(File, bitmapOffset, maxMapnr);
        Dumped = new PageBitmap(File, bitmapOffset + half, maxMapnr);
        DescriptorTableOffset = bitmapOffset + (h.BitmapBlocks * bs);
        DescriptorCount = Dumped.Rank(h.EndPfn) - Dumped.Rank(h.StartPfn);
        DataOffset = DescriptorTableOffset + (DescriptorCount * KdumpLayout.DescriptorSize);
        DescriptorsInFile = Math.Max(0, Math.Min(DescriptorCount, (File.Length - DescriptorTableOffset) / KdumpLayout.DescriptorSize));
        if (DescriptorsInFile < DescriptorCount && !h.IsIncomplete)
        {
            throw new DumpFormatException(path, DescriptorTableOffset, $"the bitmap marks {DescriptorCount} pages as dumped but only {DescriptorsInFile} page descriptors fit before the end of the file ({File.Length} bytes)");
        }

        if (File.Contains(DataOffset, bs) && File.Unsafe(DataOffset, (int)bs).IndexOfAnyExcept((byte)0) < 0)
        {
            ZeroPageOffset = DataOffset;
        }
    }

    private void ReadNotes(long bs)
    {
        var h = Header;
        var subAt = bs;
        if (h.HeaderVersion >= 4 && h.SizeNote > 0)
        {
            CheckRange(h.OffsetNote, h.SizeNote, InputLimits.Dump.NotesBytes, subAt + KdumpLayout.SubOffsetNote, "ELF notes copy");
            Notes = ElfNote.ParseAll(File.Span(h.OffsetNote, (int)h.SizeNote), Path, h.OffsetNote);
        }

        if (h.HeaderVersion >= 3 && h.SizeVmcoreinfo > 0)
        {
            CheckRange(h.OffsetVmcoreinfo, h.SizeVmcoreinfo, InputLimits.Dump.VmcoreInfoBytes, subAt + KdumpLayout.SubOffsetVmcoreinfo, "VMCOREINFO");
            VmcoreInfo = VmcoreInfo.Parse(File.Span(h.OffsetVmcoreinfo, (int)h.SizeVmcoreinfo));
        }
        else if (Notes.FirstOrDefault(n => n.Name == ElfNote.VmcoreInfoName) is { } note)
        {
            VmcoreInfo = VmcoreInfo.Parse(note.Descriptor.Span);
        }

        if (h.HeaderVersion >= 5 && h.SizeEraseinfo > 0)
        {
            CheckRange(h.OffsetEraseinfo, h.SizeEraseinfo, 1 << 20, subAt + KdumpLayout.SubOffsetEraseinfo, "erase info");
            EraseInfo = Encoding.ASCII.GetString(File.Span(h.OffsetEraseinfo, (int)h.SizeEraseinfo)).TrimEnd('\0');
        }
    }

    private void CheckRange(long offset, ulong size, int limit, long fieldAt, string what)
    {
        if (size > (ulong)limit || !File.Contains(offset, (long)size))
        {
            throw new DumpFormatException(Path, fieldAt, $"{what}: {size} bytes at offset {offset} do not fit in the file ({File.Length} bytes, limit {limit})");
        }
    }

    /// <summary>Reads page descriptor <paramref name="index"/> (0 = the first descriptor of this file).</summary>
    internal PageDescriptor ReadDescriptor(long index)
    {
        var d = File.Unsafe(DescriptorTableOffset + (index * KdumpLayout.DescriptorSize), KdumpLayout.DescriptorSize);
        return new PageDescriptor(
            BinaryPrimitives.ReadInt64LittleEndian(d),
            BinaryPrimitives.ReadUInt32LittleEndian(d[KdumpLayout.DescSize..]),
            BinaryPrimitives.ReadUInt32LittleEndian(d[KdumpLayout.DescFlags..]));
    }

    public void Dispose() => File.Dispose();
}

/// <summary>One page descriptor: where the page's bytes are, how long, how compressed.</summary>
internal readonly record struct PageDescriptor(long Offset, uint Size, uint Flags);
