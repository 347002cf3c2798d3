using System.Buffers.Binary;
using Nkdump.Formats.IO;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Elf;

/// <summary>
/// An ELF64 core of a crashed x86_64 kernel: /proc/vmcore, makedumpfile -E output or QEMU's
/// dump-guest-memory. The file is memory-mapped; every header value is checked against the file
/// length before use.
/// </summary>
public sealed class ElfVmcore : IKernelDump
{
    /// <summary>Upper bound on program headers (QEMU's paging dumps write one per mapped run).</summary>
    public const long MaxProgramHeaders = 1L << 24;

    private readonly MappedFile _file;

    private ElfVmcore(MappedFile file, ushort machine, IReadOnlyList<ElfSegment> segments, List<ElfNote> notes)
    {
        _file = file;
        Machine = machine;
        Segments = segments;
        Notes = notes;
        var vmcoreInfoNote = notes.FirstOrDefault(n => n.Name == ElfNote.VmcoreInfoName);
        VmcoreInfo = vmcoreInfoNote is null ? null : VmcoreInfo.Parse(vmcoreInfoNote.Descriptor.Span);
        Cpus = CpuState.FromNotes(notes);
        var pageSize = VmcoreInfo?.PageSize is int p && p >= 4096 && p <= 65536 && (p & (p - 1)) == 0 ? p : 4096;
        Memory = new ElfPhysicalMemory(file, segments, pageSize);
    }

    public string Path => _file.Path;

    public DumpFormat Format => DumpFormat.Elf;

    public IPhysicalMemory Memory { get; }

    public VmcoreInfo? VmcoreInfo { get; }

    public IReadOnlyList<CpuState> Cpus { get; }

    public IReadOnlyList<ElfNote> Notes { get; }

    /// <summary>e_machine (62 for x86_64).</summary>
    public ushort Machine { get; }

    /// <summary>Every program header, in file order.</summary>
    public IReadOnlyList<ElfSegment> Segments { get; }

    public static ElfVmcore Open(string path, string? displayPath = null)
    {
        var file = MappedFile.Open(path, displayPath);
        try
        {
            return Open(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the headers of an already mapped file; takes ownership of <paramref name="file"/>.</summary>
    internal static ElfVmcore Open(MappedFile file)
    {
        var path = file.Path;
        var header = file.Span(0, ElfLayout.EhdrSize);
        if (!header[..4].SequenceEqual(ElfLayout.Magic))
        {
            throw new DumpFormatException(path, 0, "not an ELF file (no \\x7fELF magic)");
        }

        if (header[ElfLayout.EIdentClass] != ElfLayout.ElfClass64)
        {
            throw new DumpFormatException(path, ElfLayout.EIdentClass, $"ELF class {header[ElfLayout.EIdentClass]} is not supported (only ELF64 cores)");
        }

        if (header[ElfLayout.EIdentData] != ElfLayout.ElfData2Lsb)
        {
            throw new DumpFormatException(path, ElfLayout.EIdentData, "big-endian ELF is not supported (only x86_64 cores)");
        }

        var type = BinaryPrimitives.ReadUInt16LittleEndian(header[ElfLayout.EType..]);
        if (type != ElfLayout.EtCore)
        {
            throw new DumpFormatException(path, ElfLayout.EType, $"ELF type {type} is not a core file (ET_CORE = 4)");
        }

        var machine = BinaryPrimitives.ReadUInt16LittleEndian(header[ElfLayout.EMachine..]);
        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(header[ElfLayout.EPhoff..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[ElfLayout.EPhentsize..]);
        long phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[ElfLayout.EPhnum..]);
        if (phentsize != ElfLayout.PhdrSize)
        {
            throw new DumpFormatException(path, ElfLayout.EPhentsize, $"e_phentsize is {phentsize}, expected {ElfLayout.PhdrSize}");
        }

        if (phnum == ElfLayout.PnXnum)
        {
            phnum = ReadExtendedCount(file, header);
        }

        if (phnum > MaxProgramHeaders || phoff > (ulong)file.Length || !file.Contains((long)phoff, phnum * ElfLayout.PhdrSize))
        {
            throw new DumpFormatException(path, ElfLayout.EPhoff, $"{phnum} program headers at offset {phoff} do not fit in the file ({file.Length} bytes)");
        }

        var segments = new ElfSegment[phnum];
        var notes = new List<ElfNote>();
        long notesTotal = 0;
        for (var i = 0; i < phnum; i++)
        {
            var at = (long)phoff + (i * ElfLayout.PhdrSize);
            var ph = file.Span(at, ElfLayout.PhdrSize);
            var segment = new ElfSegment(
                BinaryPrimitives.ReadUInt32LittleEndian(ph[ElfLayout.PType..]),
                BinaryPrimitives.ReadUInt32LittleEndian(ph[ElfLayout.PFlags..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.POffset..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PVaddr..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PPaddr..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PFilesz..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[ElfLayout.PMemsz..]));
            segments[i] = segment;
            if (!segment.IsLoad && !segment.IsNote)
            {
                continue;
            }

            if (segment.Offset > (ulong)file.Length || segment.FileSize > (ulong)file.Length - segment.Offset)
            {
                throw new DumpFormatException(path, at + ElfLayout.POffset, $"program header {i}: {segment.FileSize} bytes at offset {segment.Offset} run past the end of the file ({file.Length} bytes)");
            }

            if (segment.IsLoad && (segment.PhysicalAddress > ulong.MaxValue - segment.MemorySize || segment.FileSize > segment.MemorySize))
            {
                throw new DumpFormatException(path, at + ElfLayout.PMemsz, $"program header {i}: p_filesz {segment.FileSize} / p_memsz {segment.MemorySize} at p_paddr 0x{segment.PhysicalAddress:x} are inconsistent");
            }

            if (segment.IsNote)
            {
                notesTotal += (long)segment.FileSize;
                if (notesTotal > ElfNote.MaxNotesSize)
                {
                    throw new DumpFormatException(path, at + ElfLayout.PFilesz, $"PT_NOTE segments total more than {ElfNote.MaxNotesSize} bytes");
                }

                notes.AddRange(ElfNote.ParseAll(file.Span((long)segment.Offset, (int)segment.FileSize), path, (long)segment.Offset));
            }
        }

        return new ElfVmcore(file, machine, segments, notes);
    }

    /// <summary>With PN_XNUM, the program header count is sh_info of section header 0 (gABI "Extended Program Header Numbering").</summary>
    private static long ReadExtendedCount(MappedFile file, ReadOnlySpan<byte> header)
    {
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(header[ElfLayout.EShoff..]);
        if (shoff == 0 || shoff > (ulong)file.Length || !file.Contains((long)shoff, ElfLayout.ShdrSize))
        {
            throw new DumpFormatException(file.Path, ElfLayout.EShoff, $"e_phnum is PN_XNUM but section header 0 at offset {shoff} is not in the file");
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(file.Span((long)shoff + ElfLayout.ShInfo, 4));
    }

    public void Dispose() => _file.Dispose();
}
