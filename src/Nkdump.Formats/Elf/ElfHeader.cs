using System.Buffers.Binary;

namespace Nkdump.Formats.Elf;

/// <summary>
/// The ELF header (Elf64_Ehdr) as the file holds it. The counts are the raw fields: e_phnum may be
/// PN_XNUM and e_shnum 0 with the real counts in section header 0 (gABI "extended numbering");
/// <see cref="ElfFile.Segments"/> and <see cref="ElfFile.Sections"/> resolve them.
/// </summary>
public readonly record struct ElfHeader(
    ushort Type,
    ushort Machine,
    uint Flags,
    ulong Entry,
    ulong ProgramHeaderOffset,
    ushort ProgramHeaderEntrySize,
    ushort ProgramHeaderCount,
    ulong SectionHeaderOffset,
    ushort SectionHeaderEntrySize,
    ushort SectionHeaderCount,
    ushort SectionNameIndex)
{
    /// <summary>ET_REL: a relocatable object such as a kernel module (.ko).</summary>
    public bool IsRelocatable => Type == ElfLayout.EtRel;

    /// <summary>ET_CORE: a core file such as /proc/vmcore.</summary>
    public bool IsCore => Type == ElfLayout.EtCore;

    internal static ElfHeader Parse(ReadOnlySpan<byte> ehdr) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EType..]),
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EMachine..]),
        BinaryPrimitives.ReadUInt32LittleEndian(ehdr[ElfLayout.EFlags..]),
        BinaryPrimitives.ReadUInt64LittleEndian(ehdr[ElfLayout.EEntry..]),
        BinaryPrimitives.ReadUInt64LittleEndian(ehdr[ElfLayout.EPhoff..]),
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EPhentsize..]),
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EPhnum..]),
        BinaryPrimitives.ReadUInt64LittleEndian(ehdr[ElfLayout.EShoff..]),
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EShentsize..]),
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EShnum..]),
        BinaryPrimitives.ReadUInt16LittleEndian(ehdr[ElfLayout.EShstrndx..]));
}
