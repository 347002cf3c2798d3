using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats.Elf;

/// <summary>The program headers (segments) of an ELF file, with PN_XNUM, and what they point at.</summary>
public sealed partial class ElfFile
{
    /// <summary>Program headers read per pread (56 KiB): a paging QEMU dump has millions.</summary>
    private const int PhdrBatch = 1024;

    /// <summary>
    /// Every program header, in file order (none in a kernel module). Read on first use: the count
    /// (resolving PN_XNUM through section header 0) and the table are checked against the file.
    /// </summary>
    public IReadOnlyList<ElfSegment> Segments => _segments.Value;

    /// <summary>The file offset of program header <paramref name="index"/>, for error messages.</summary>
    internal long ProgramHeaderOffset(int index) => (long)Header.ProgramHeaderOffset + ((long)index * ElfLayout.PhdrSize);

    /// <summary>PT_INTERP: the program interpreter's path (ld.so), or null when there is none.</summary>
    public string? ReadInterpreter()
    {
        var index = FindSegment(ElfLayout.PtInterp);
        if (index < 0)
        {
            return null;
        }

        var segment = Segments[index];
        var at = ProgramHeaderOffset(index) + ElfLayout.PFilesz;
        if (segment.FileSize == 0)
        {
            throw new DumpFormatException(Path, at, "PT_INTERP names no interpreter (0 bytes)");
        }

        var bytes = ReadRange(segment.Offset, segment.FileSize, InputLimits.Elf.InterpreterBytes, at, "PT_INTERP");
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    /// <summary>The index of the first program header of type <paramref name="type"/> (a PT_* value), or -1.</summary>
    private int FindSegment(uint type)
    {
        for (var i = 0; i < Segments.Count; i++)
        {
            if (Segments[i].Type == type)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The file offset of the <paramref name="size"/> bytes at virtual address <paramref name="address"/>,
    /// from the PT_LOAD that holds them whole, or null when none does.
    /// </summary>
    internal ulong? FileOffsetOf(ulong address, ulong size)
    {
        foreach (var segment in Segments)
        {
            if (segment.IsLoad && address >= segment.VirtualAddress && address - segment.VirtualAddress < segment.FileSize
                && size <= segment.FileSize - (address - segment.VirtualAddress))
            {
                return segment.Offset + (address - segment.VirtualAddress);
            }
        }

        return null;
    }

    private ElfSegment[] ReadSegments()
    {
        var header = Header;
        if (header.ProgramHeaderCount == 0)
        {
            return [];
        }

        if (header.ProgramHeaderEntrySize != ElfLayout.PhdrSize)
        {
            throw new DumpFormatException(Path, ElfLayout.EPhentsize, $"e_phentsize is {header.ProgramHeaderEntrySize}, expected {ElfLayout.PhdrSize}");
        }

        long count = header.ProgramHeaderCount == ElfLayout.PnXnum
            ? ReadSectionZero("e_phnum is PN_XNUM").Info
            : header.ProgramHeaderCount;
        var phoff = header.ProgramHeaderOffset;
        if (count > InputLimits.Elf.ProgramHeaders || phoff > (ulong)Length || !_file.Contains((long)phoff, count * ElfLayout.PhdrSize))
        {
            throw new DumpFormatException(Path, ElfLayout.EPhoff, $"{count} program headers at offset {phoff} do not fit in the file ({Length} bytes)");
        }

        var segments = new ElfSegment[count];
        var table = new byte[(int)Math.Min(count, PhdrBatch) * ElfLayout.PhdrSize];
        for (var i = 0; i < count; i++)
        {
            var inBatch = i % PhdrBatch;
            if (inBatch == 0)
            {
                _file.Read(ProgramHeaderOffset(i), table.AsSpan(0, (int)Math.Min(count - i, PhdrBatch) * ElfLayout.PhdrSize));
            }

            var ph = table.AsSpan(inBatch * ElfLayout.PhdrSize, ElfLayout.PhdrSize);
            segments[i] = new ElfSegment(
                BinaryPrimitives.ReadUInt32LittleEndian(ph[ElfLayout.PType..]),
                BinaryPrimitives.ReadUInt32LittleEndian(ph[ElfLayout.PFlags..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.POffset..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PVaddr..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PPaddr..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PFilesz..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PMemsz..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PAlign..]));
        }

        return segments;
    }

    /// <summary>
    /// Section header 0, which holds the real counts when the ELF header's fields overflow (gABI
    /// "Extended Program Header Numbering" and extended section numbering): sh_info is the program
    /// header count, sh_size the section count, sh_link the section-name table's index.
    /// </summary>
    private (uint Info, ulong Size, uint Link) ReadSectionZero(string why)
    {
        var shoff = Header.SectionHeaderOffset;
        if (shoff == 0 || shoff > (ulong)Length || !_file.Contains((long)shoff, ElfLayout.ShdrSize))
        {
            throw new DumpFormatException(Path, ElfLayout.EShoff, $"{why} but section header 0 at offset {shoff} is not in the file");
        }

        Span<byte> zero = stackalloc byte[ElfLayout.ShdrSize];
        _file.Read((long)shoff, zero);
        return (BinaryPrimitives.ReadUInt32LittleEndian(zero[ElfLayout.ShInfo..]),
            BinaryPrimitives.ReadUInt64LittleEndian(zero[ElfLayout.ShSize..]),
            BinaryPrimitives.ReadUInt32LittleEndian(zero[ElfLayout.ShLink..]));
    }
}
