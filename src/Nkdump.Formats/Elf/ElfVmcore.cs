using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Elf;

/// <summary>
/// An ELF64 core of a crashed x86_64 kernel: /proc/vmcore, makedumpfile -E output or QEMU's
/// dump-guest-memory. The file is memory-mapped where the kernel allows it and read with pread(2)
/// otherwise (<see cref="FileReadMode"/>); the headers are read by <see cref="ElfFile"/>, which checks
/// every value against the file length before use. Cores of machines other than x86_64 are refused. A file whose e_flags carry <see cref="ElfLayout.DumpElfIncomplete"/> (a collector ran
/// out of space) is read up to its last whole page; the pages after it are <see cref="PageState.Incomplete"/>.
/// </summary>
public sealed class ElfVmcore : IKernelDump
{
    private readonly ElfFile _elf;
    private readonly IRandomAccessFile _file;

    private ElfVmcore(ElfFile elf, ushort machine, uint flags, IReadOnlyList<ElfSegment> segments, List<ElfNote> notes)
    {
        _elf = elf;
        _file = elf.File;
        Machine = machine;
        Flags = flags;
        Segments = segments;
        Notes = notes;
        var vmcoreInfoNote = notes.FirstOrDefault(n => n.Name == ElfNote.VmcoreInfoName);
        VmcoreInfo = vmcoreInfoNote is null ? null : VmcoreInfo.Parse(vmcoreInfoNote.Descriptor.Span);
        Cpus = CpuState.FromNotes(notes);
        var pageSize = VmcoreInfo?.PageSize is int p && p >= 4096 && p <= 65536 && (p & (p - 1)) == 0 ? p : 4096;
        Memory = new ElfPhysicalMemory(_file, segments, pageSize, IsIncomplete);
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

    /// <summary>The file offset of program header <paramref name="index"/>, for messages about it.</summary>
    public long ProgramHeaderOffset(int index) => _elf.ProgramHeaderOffset(index);

    /// <param name="path">The file to open.</param>
    /// <param name="displayPath">The name errors use, default <paramref name="path"/>.</param>
    /// <param name="mode">Memory-map, read, or map with a fall back to read (the default).</param>
    public static ElfVmcore Open(string path, string? displayPath = null, FileReadMode mode = FileReadMode.MapOrRead)
    {
        return Open(RandomAccessFile.Open(path, displayPath, mode));
    }

    /// <summary>Reads the headers of an already opened file; takes ownership of <paramref name="file"/> (also when it throws).</summary>
    public static ElfVmcore Open(IRandomAccessFile file) => Ownership.Take(ElfFile.Open(file), Parse);

    private static ElfVmcore Parse(ElfFile elf)
    {
        var file = elf.File;
        var path = elf.Path;
        var header = elf.Header;
        if (!header.IsCore)
        {
            throw new DumpFormatException(path, ElfLayout.EType, $"ELF type {header.Type} is not a core file (ET_CORE = 4)");
        }

        if (header.Machine != ElfLayout.EmX86_64)
        {
            var name = DumpMachine.ElfMachineName(header.Machine, littleEndian: true);
            throw DumpMachine.Unsupported(path, ElfLayout.EMachine, name is null ? $"cores of ELF machine {header.Machine}" : $"{name} cores");
        }

        var incomplete = (header.Flags & ElfLayout.DumpElfIncomplete) != 0;
        var segments = elf.Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (!segment.IsLoad && !segment.IsNote)
            {
                continue;
            }

            // An incomplete dump's last segments may run past the end (ElfPhysicalMemory cuts them there),
            // but its notes were written first and must be whole.
            var at = elf.ProgramHeaderOffset(i);
            var pastEnd = segment.Offset > (ulong)file.Length || segment.FileSize > (ulong)file.Length - segment.Offset;
            if (pastEnd && !(incomplete && segment.IsLoad && segment.FileSize <= long.MaxValue && segment.Offset <= long.MaxValue - segment.FileSize))
            {
                throw new DumpFormatException(path, at + ElfLayout.POffset, $"program header {i}: {segment.FileSize} bytes at offset {segment.Offset} run past the end of the file ({file.Length} bytes)");
            }

            if (segment.IsLoad && (segment.PhysicalAddress > ulong.MaxValue - segment.MemorySize || segment.FileSize > segment.MemorySize))
            {
                throw new DumpFormatException(path, at + ElfLayout.PMemsz, $"program header {i}: p_filesz {segment.FileSize} / p_memsz {segment.MemorySize} at p_paddr 0x{segment.PhysicalAddress:x} are inconsistent");
            }

            // No x86_64 machine has physical addresses of more than 52 bits.
            if (segment.IsLoad && segment.MemorySize > 0 && segment.PhysicalAddress + segment.MemorySize > InputLimits.Dump.PhysicalAddressEnd)
            {
                throw new DumpFormatException(path, at + ElfLayout.PPaddr, $"program header {i}: p_paddr 0x{segment.PhysicalAddress:x} + p_memsz 0x{segment.MemorySize:x} reach past 52-bit physical addresses (0x{InputLimits.Dump.PhysicalAddressEnd:x})");
            }
        }

        return new ElfVmcore(elf, header.Machine, header.Flags, segments, elf.ReadSegmentNotes());
    }

    public void Dispose() => _elf.Dispose();
}
