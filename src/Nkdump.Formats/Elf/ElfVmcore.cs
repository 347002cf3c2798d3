using System.Buffers.Binary;
using Nkdump.Formats.IO;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Elf;

/// <summary>
/// An ELF64 core of a crashed x86_64 kernel: /proc/vmcore, makedumpfile -E output or QEMU's
/// dump-guest-memory. The file is memory-mapped where the kernel allows it and read with pread(2)
/// otherwise (<see cref="FileReadMode"/>); every header value is checked against the file length
/// before use. A file whose e_flags carry <see cref="ElfLayout.DumpElfIncomplete"/> (a collector ran
/// out of space) is read up to its last whole page; the pages after it are <see cref="PageState.Incomplete"/>.
/// </summary>
public sealed class ElfVmcore : IKernelDump
{
    /// <summary>Upper bound on program headers (QEMU's paging dumps write one per mapped run).</summary>
    public const long MaxProgramHeaders = 1L << 24;

    /// <summary>Program headers read per pread when the file is not mapped (56 KiB).</summary>
    private const long PhdrBatch = 1024;

    private readonly IRandomAccessFile _file;

    private ElfVmcore(IRandomAccessFile file, ushort machine, uint flags, IReadOnlyList<ElfSegment> segments, List<ElfNote> notes)
    {
        _file = file;
        Machine = machine;
        Flags = flags;
        Segments = segments;
        Notes = notes;
        var vmcoreInfoNote = notes.FirstOrDefault(n => n.Name == ElfNote.VmcoreInfoName);
        VmcoreInfo = vmcoreInfoNote is null ? null : VmcoreInfo.Parse(vmcoreInfoNote.Descriptor.Span);
        Cpus = CpuState.FromNotes(notes);
        var pageSize = VmcoreInfo?.PageSize is int p && p >= 4096 && p <= 65536 && (p & (p - 1)) == 0 ? p : 4096;
        Memory = new ElfPhysicalMemory(file, segments, pageSize, IsIncomplete);
    }

    public string Path => _file.Path;

    public DumpFormat Format => DumpFormat.Elf;

    public IPhysicalMemory Memory { get; }

    public VmcoreInfo? VmcoreInfo { get; }

    public IReadOnlyList<CpuState> Cpus { get; }

    public IReadOnlyList<ElfNote> Notes { get; }

    /// <summary>e_machine (62 for x86_64).</summary>
    public ushort Machine { get; }

    /// <summary>e_flags (0 in a kernel's /proc/vmcore; makedumpfile sets bit 0 in a dump it could not finish).</summary>
    public uint Flags { get; }

    /// <summary>True when e_flags say the dump was cut short (makedumpfile's DUMP_ELF_INCOMPLETE).</summary>
    public bool IsIncomplete => (Flags & ElfLayout.DumpElfIncomplete) != 0;

    /// <summary>True when the file is memory-mapped, false when it is read with pread(2).</summary>
    public bool IsMemoryMapped => _file.IsMemoryMapped;

    /// <summary>Why the file is read with pread(2) rather than mapped, or null.</summary>
    public string? ReadReason => _file.ReadReason;

    /// <summary>Every program header, in file order.</summary>
    public IReadOnlyList<ElfSegment> Segments { get; }

    /// <param name="path">The file to open.</param>
    /// <param name="displayPath">The name errors use, default <paramref name="path"/>.</param>
    /// <param name="mode">Memory-map, read, or map with a fall back to read (the default).</param>
    public static ElfVmcore Open(string path, string? displayPath = null, FileReadMode mode = FileReadMode.MapOrRead)
    {
        return Open(RandomAccessFile.Open(path, displayPath, mode));
    }

    /// <summary>Reads the headers of an already opened file; takes ownership of <paramref name="file"/> (also when it throws).</summary>
    public static ElfVmcore Open(IRandomAccessFile file)
    {
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static ElfVmcore Parse(IRandomAccessFile file)
    {
        var path = file.Path;
        if (file.Length < ElfLayout.EhdrSize)
        {
            throw new DumpFormatException(path, 0, $"{ElfLayout.EhdrSize} bytes of ELF header needed but the file ends at {file.Length}");
        }

        Span<byte> header = stackalloc byte[ElfLayout.EhdrSize];
        file.Read(0, header);
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
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(header[ElfLayout.EFlags..]);
        var incomplete = (flags & ElfLayout.DumpElfIncomplete) != 0;
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
        var table = new byte[(int)Math.Min(phnum, PhdrBatch) * ElfLayout.PhdrSize];
        for (var i = 0; i < phnum; i++)
        {
            var at = (long)phoff + (i * ElfLayout.PhdrSize);
            var inBatch = (int)(i % PhdrBatch);
            if (inBatch == 0)
            {
                file.Read(at, table.AsSpan(0, (int)Math.Min(phnum - i, PhdrBatch) * ElfLayout.PhdrSize));
            }

            var ph = table.AsSpan(inBatch * ElfLayout.PhdrSize, ElfLayout.PhdrSize);
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

            // An incomplete dump's last segments may run past the end (ElfPhysicalMemory cuts them there),
            // but its notes were written first and must be whole.
            var pastEnd = segment.Offset > (ulong)file.Length || segment.FileSize > (ulong)file.Length - segment.Offset;
            if (pastEnd && !(incomplete && segment.IsLoad && segment.FileSize <= long.MaxValue && segment.Offset <= long.MaxValue - segment.FileSize))
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

                var noteBytes = new byte[(int)segment.FileSize];
                file.Read((long)segment.Offset, noteBytes);
                notes.AddRange(ElfNote.ParseAll(noteBytes, path, (long)segment.Offset));
            }
        }

        return new ElfVmcore(file, machine, flags, segments, notes);
    }

    /// <summary>With PN_XNUM, the program header count is sh_info of section header 0 (gABI "Extended Program Header Numbering").</summary>
    private static long ReadExtendedCount(IRandomAccessFile file, ReadOnlySpan<byte> header)
    {
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(header[ElfLayout.EShoff..]);
        if (shoff == 0 || shoff > (ulong)file.Length || !file.Contains((long)shoff, ElfLayout.ShdrSize))
        {
            throw new DumpFormatException(file.Path, ElfLayout.EShoff, $"e_phnum is PN_XNUM but section header 0 at offset {shoff} is not in the file");
        }

        Span<byte> info = stackalloc byte[4];
        file.Read((long)shoff + ElfLayout.ShInfo, info);
        return BinaryPrimitives.ReadUInt32LittleEndian(info);
    }

    public void Dispose() => _file.Dispose();
}
