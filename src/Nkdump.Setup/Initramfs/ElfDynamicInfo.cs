using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The little a capture initramfs needs from an ELF executable or library: its interpreter
/// (PT_INTERP) and the libraries it needs (DT_NEEDED), plus DT_RUNPATH/DT_RPATH. Only ELF64
/// little-endian (x86_64) is read. A small reader of its own until Nkdump.Formats has a general one.
/// Every offset and count is checked against the file; a bad file gives an NkdumpException naming it
/// and the byte offset.
/// </summary>
public sealed record ElfDynamicInfo(string? Interpreter, IReadOnlyList<string> Needed, IReadOnlyList<string> RunPath)
{
    // Elf64_Ehdr: e_ident[16], e_type u16 @16, e_machine u16 @18, e_version u32 @20, e_entry u64 @24,
    // e_phoff u64 @32, e_shoff u64 @40, e_flags u32 @48, e_ehsize u16 @52, e_phentsize u16 @54, e_phnum u16 @56.
    private const int EhdrSize = 64;
    private const int PhOffOffset = 32;
    private const int PhEntSizeOffset = 54;
    private const int PhNumOffset = 56;

    // Elf64_Phdr (56 bytes): p_type u32 @0, p_flags u32 @4, p_offset u64 @8, p_vaddr u64 @16,
    // p_paddr u64 @24, p_filesz u64 @32, p_memsz u64 @40, p_align u64 @48.
    private const int PhdrSize = 56;
    private const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3;

    // Elf64_Dyn (16 bytes): d_tag s64, d_val u64.
    private const long DtNull = 0, DtNeeded = 1, DtStrtab = 5, DtStrsz = 10, DtRpath = 15, DtRunpath = 29;
    private const int MaxDynamicEntries = 4096;

    /// <summary>True when the file starts with the ELF magic.</summary>
    public static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.Read(magic) == 4 && magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
    }

    public static ElfDynamicInfo Read(string path)
    {
        using var file = File.OpenRead(path);
        var length = file.Length;
        Exception Bad(long offset, string what) => new NkdumpException($"{path}: byte {offset}: {what}");

        var ehdr = new byte[EhdrSize];
        if (length < EhdrSize || file.Read(ehdr) != EhdrSize || ehdr[0] != 0x7f || ehdr[1] != (byte)'E' || ehdr[2] != (byte)'L' || ehdr[3] != (byte)'F')
        {
            throw Bad(0, "not an ELF file");
        }

        if (ehdr[4] != 2 || ehdr[5] != 1)
        {
            throw Bad(4, "only 64-bit little-endian ELF (x86_64) is supported");
        }

        var phoff = BinaryPrimitives.ReadUInt64LittleEndian(ehdr.AsSpan(PhOffOffset));
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(PhEntSizeOffset));
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(ehdr.AsSpan(PhNumOffset));
        if (phnum == 0)
        {
            return new ElfDynamicInfo(null, [], []);
        }

        if (phentsize < PhdrSize || phentsize > 256 || phoff > (ulong)length || (ulong)phnum * phentsize > (ulong)length - phoff)
        {
            throw Bad(PhOffOffset, $"program headers ({phnum} × {phentsize} at {phoff}) do not fit in the file");
        }

        var table = ReadAt(file, (long)phoff, phnum * phentsize);
        var loads = new List<(ulong VAddr, ulong Offset, ulong Size)>();
        string? interp = null;
        (ulong Offset, ulong Size)? dynamic = null;
        for (var i = 0; i < phnum; i++)
        {
            var ph = table.AsSpan(i * phentsize, PhdrSize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            var vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
            var filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            var at = (long)phoff + (i * phentsize);
            if (type is PtLoad or PtDynamic or PtInterp && (offset > (ulong)length || filesz > (ulong)length - offset))
            {
                throw Bad(at, $"segment [{offset}, +{filesz}) lies outside the file ({length} bytes)");
            }

            switch (type)
            {
                case PtLoad:
                    loads.Add((vaddr, offset, filesz));
                    break;
                case PtInterp:
                    if (filesz is 0 or > 4096)
                    {
                        throw Bad(at, $"interpreter name of {filesz} bytes");
                    }

                    interp = Encoding.UTF8.GetString(ReadAt(file, (long)offset, (int)filesz)).TrimEnd('\0');
                    break;
                case PtDynamic:
                    dynamic = (offset, filesz);
                    break;
            }
        }

        if (dynamic is not { } dyn)
        {
            return new ElfDynamicInfo(interp, [], []);
        }

        var count = (int)Math.Min(dyn.Size / 16, MaxDynamicEntries);
        var entries = ReadAt(file, (long)dyn.Offset, count * 16);
        var needed = new List<ulong>();
        var runpath = new List<ulong>();
        ulong? strtab = null, strsz = null;
        for (var i = 0; i < count; i++)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(i * 16));
            var value = BinaryPrimitives.ReadUInt64LittleEndian(entries.AsSpan((i * 16) + 8));
            if (tag == DtNull)
            {
                break;
            }

            switch (tag)
            {
                case DtNeeded: needed.Add(value); break;
                case DtRpath or DtRunpath: runpath.Add(value); break;
                case DtStrtab: strtab = value; break;
                case DtStrsz: strsz = value; break;
            }
        }

        if (needed.Count == 0 && runpath.Count == 0)
        {
            return new ElfDynamicInfo(interp, [], []);
        }

        if (strtab is not { } strAddr || strsz is not { } strSize || strSize > 16 << 20)
        {
            throw Bad((long)dyn.Offset, "dynamic section lacks a usable DT_STRTAB/DT_STRSZ");
        }

        // DT_STRTAB is a virtual address: find the PT_LOAD that holds it.
        var load = loads.FirstOrDefault(l => strAddr >= l.VAddr && strAddr - l.VAddr < l.Size);
        if (load.Size == 0 || strSize > load.Size - (strAddr - load.VAddr))
        {
            throw Bad((long)dyn.Offset, $"DT_STRTAB 0x{strAddr:x} (+{strSize}) is not inside a loaded segment");
        }

        var strings = ReadAt(file, (long)(load.Offset + (strAddr - load.VAddr)), (int)strSize);
        string Str(ulong index)
        {
            var end = index < strSize ? strings.AsSpan((int)index).IndexOf((byte)0) : -1;
            return end > 0
                ? Encoding.UTF8.GetString(strings.AsSpan((int)index, end))
                : throw Bad((long)dyn.Offset, $"string {index} is empty or not terminated inside DT_STRSZ {strSize}");
        }

        return new ElfDynamicInfo(
            interp,
            needed.Select(Str).ToList(),
            runpath.SelectMany(r => Str(r).Split(':', StringSplitOptions.RemoveEmptyEntries)).ToList());
    }

    private static byte[] ReadAt(FileStream file, long offset, int count)
    {
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }
}
