using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats.Elf;

/// <summary>The section headers of an ELF file, their names, and sections' bytes by name.</summary>
public sealed partial class ElfFile
{
    /// <summary>
    /// Every section header with its name, in index order (none when e_shoff is 0, as in a vmcore).
    /// Read on first use: the count (resolving extended numbering through section header 0), the
    /// table and the section-name string table are checked against the file.
    /// </summary>
    public IReadOnlyList<ElfSection> Sections => _sections.Value;

    /// <summary>The first section called <paramref name="name"/>, or null.</summary>
    public ElfSection? FindSection(string name)
    {
        foreach (var section in Sections)
        {
            if (section.Name == name)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>The first section of type <paramref name="type"/> (an SHT_* value), or null.</summary>
    internal ElfSection? FindSection(uint type)
    {
        foreach (var section in Sections)
        {
            if (section.Type == type)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>Where the section's bytes are in the file, checked to lie inside it (empty for SHT_NOBITS).</summary>
    public (long Offset, long Size) FileRange(ElfSection section)
    {
        if (section.IsNoBits)
        {
            return (0, 0);
        }

        CheckRange(section.Offset, section.Size, section.HeaderOffset + ElfLayout.ShOffset, section.ToString());
        return ((long)section.Offset, (long)section.Size);
    }

    /// <summary>The section's bytes; an error when it is larger than <paramref name="maxSize"/> or not in the file.</summary>
    public byte[] ReadSection(ElfSection section, int maxSize)
    {
        return section.IsNoBits
            ? []
            : ReadRange(section.Offset, section.Size, maxSize, section.HeaderOffset + ElfLayout.ShOffset, section.ToString());
    }

    /// <summary>The bytes of the section called <paramref name="name"/>, or null when there is none.</summary>
    public byte[]? ReadSection(string name, int maxSize) =>
        FindSection(name) is { } section ? ReadSection(section, maxSize) : null;

    /// <summary>
    /// The NUL-separated strings of a section such as a kernel module's .modinfo ("key=value" each),
    /// or null when there is no such section. Empty strings (alignment padding) are left out.
    /// </summary>
    public IReadOnlyList<string>? ReadStrings(string name, int maxSize)
    {
        var bytes = ReadSection(name, maxSize);
        return bytes is null
            ? null
            : Encoding.UTF8.GetString(bytes).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    private ElfSection[] ReadSections()
    {
        var header = Header;
        var shoff = header.SectionHeaderOffset;
        if (shoff == 0)
        {
            return [];
        }

        if (header.SectionHeaderEntrySize != ElfLayout.ShdrSize)
        {
            throw new DumpFormatException(Path, ElfLayout.EShentsize, $"e_shentsize is {header.SectionHeaderEntrySize}, expected {ElfLayout.ShdrSize}");
        }

        var zero = header.SectionHeaderCount == 0 ? ReadSectionZero("e_shnum is 0 with a section header table")
            : header.SectionNameIndex == ElfLayout.ShnXindex ? ReadSectionZero("e_shstrndx is SHN_XINDEX")
            : default;
        var count = header.SectionHeaderCount == 0 ? zero.Size : header.SectionHeaderCount;
        if (count == 0)
        {
            return [];
        }

        if (count > InputLimits.Elf.Sections || shoff > (ulong)Length || !_file.Contains((long)shoff, (long)count * ElfLayout.ShdrSize))
        {
            throw new DumpFormatException(Path, ElfLayout.EShoff, $"{count} section headers at offset {shoff} do not fit in the file ({Length} bytes)");
        }

        var table = new byte[(int)count * ElfLayout.ShdrSize];
        _file.Read((long)shoff, table);
        var namesIndex = header.SectionNameIndex == ElfLayout.ShnXindex ? zero.Link : header.SectionNameIndex;
        var names = ReadSectionNames(table, namesIndex, (int)count);
        var sections = new ElfSection[count];
        for (var i = 0; i < sections.Length; i++)
        {
            var at = (long)shoff + ((long)i * ElfLayout.ShdrSize);
            var sh = table.AsSpan(i * ElfLayout.ShdrSize, ElfLayout.ShdrSize);
            var name = names.Get(BinaryPrimitives.ReadUInt32LittleEndian(sh[ElfLayout.ShName..]), at + ElfLayout.ShName, $"section {i}");
            sections[i] = Parse(i, name, sh, at);
        }

        return sections;
    }

    /// <summary>The section-name string table (.shstrtab), or no names when e_shstrndx is SHN_UNDEF.</summary>
    private ElfStringTable ReadSectionNames(byte[] table, uint index, int count)
    {
        if (index == ElfLayout.ShnUndef)
        {
            return ElfStringTable.None(Path);
        }

        if (index >= count)
        {
            throw new DumpFormatException(Path, ElfLayout.EShstrndx, $"e_shstrndx {index} is not a section (the file has {count})");
        }

        var at = (long)Header.SectionHeaderOffset + ((long)index * ElfLayout.ShdrSize);
        var names = Parse((int)index, "", table.AsSpan((int)index * ElfLayout.ShdrSize, ElfLayout.ShdrSize), at);
        return new ElfStringTable(ReadRange(names.Offset, names.Size, InputLimits.Elf.SectionNameBytes, at + ElfLayout.ShOffset, $"section-name table ({names})"), Path);
    }

    private static ElfSection Parse(int index, string name, ReadOnlySpan<byte> sh, long at) => new(
        index,
        name,
        BinaryPrimitives.ReadUInt32LittleEndian(sh[ElfLayout.ShType..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sh[ElfLayout.ShFlags..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sh[ElfLayout.ShAddr..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sh[ElfLayout.ShOffset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sh[ElfLayout.ShSize..]),
        BinaryPrimitives.ReadUInt32LittleEndian(sh[ElfLayout.ShLink..]),
        BinaryPrimitives.ReadUInt32LittleEndian(sh[ElfLayout.ShInfo..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sh[ElfLayout.ShAddralign..]),
        BinaryPrimitives.ReadUInt64LittleEndian(sh[ElfLayout.ShEntsize..]),
        at);
}
