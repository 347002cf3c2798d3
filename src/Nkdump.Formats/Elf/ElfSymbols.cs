using System.Buffers.Binary;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats.Elf;

/// <summary>STT_*: what a symbol names (the low 4 bits of st_info).</summary>
public enum ElfSymbolType : byte
{
    NoType = 0,
    Object = 1,
    Function = 2,
    Section = 3,
    File = 4,
    Common = 5,
    Tls = 6,
    GnuIndirectFunction = 10,
}

/// <summary>STB_*: a symbol's visibility to the linker (the high 4 bits of st_info).</summary>
public enum ElfSymbolBinding : byte
{
    Local = 0,
    Global = 1,
    Weak = 2,
    GnuUnique = 10,
}

/// <summary>
/// One entry of a symbol table (Elf64_Sym) with its name. In an executable or a vmlinux
/// <see cref="Value"/> is an address; in a relocatable file (a kernel module) it is an offset into
/// section <see cref="SectionIndex"/>.
/// </summary>
public readonly record struct ElfSymbol(string Name, ulong Value, ulong Size, byte Info, byte Other, ushort SectionIndex)
{
    public ElfSymbolType Type => (ElfSymbolType)(Info & 0xf);

    public ElfSymbolBinding Binding => (ElfSymbolBinding)(Info >> 4);

    /// <summary>SHN_UNDEF: defined elsewhere (another object, the kernel for a module).</summary>
    public bool IsUndefined => SectionIndex == ElfLayout.ShnUndef;

    /// <summary>SHN_ABS: the value is an absolute number, not relative to any section.</summary>
    public bool IsAbsolute => SectionIndex == ElfLayout.ShnAbs;

    /// <summary>True when <see cref="SectionIndex"/> is a section of the file, not a special index (SHN_ABS, SHN_COMMON...).</summary>
    public bool IsInSection => SectionIndex != ElfLayout.ShnUndef && SectionIndex < ElfLayout.ShnLoreserve;
}

/// <summary>The symbol tables of an ELF file: .symtab (SHT_SYMTAB) and .dynsym (SHT_DYNSYM).</summary>
public sealed partial class ElfFile
{
    /// <summary>The static symbol table (.symtab), or null when the file has none (it was stripped).</summary>
    public IReadOnlyList<ElfSymbol>? ReadSymbolTable() =>
        FindSection(ElfLayout.ShtSymtab) is { } table ? ReadSymbols(table) : null;

    /// <summary>The dynamic symbol table (.dynsym) of a shared library or program, or null.</summary>
    public IReadOnlyList<ElfSymbol>? ReadDynamicSymbols() =>
        FindSection(ElfLayout.ShtDynsym) is { } table ? ReadSymbols(table) : null;

    /// <summary>
    /// Every entry of symbol table <paramref name="table"/>, entry 0 (the null symbol) included, so
    /// that a symbol's position is its index. Names come from the string table that sh_link names,
    /// which must be an SHT_STRTAB section.
    /// </summary>
    public IReadOnlyList<ElfSymbol> ReadSymbols(ElfSection table)
    {
        if (table.Type is not (ElfLayout.ShtSymtab or ElfLayout.ShtDynsym))
        {
            throw new DumpFormatException(Path, table.HeaderOffset + ElfLayout.ShType, $"{table} is not a symbol table (sh_type {table.Type})");
        }

        // sh_entsize 0 is tolerated (hand-made files leave it unset); anything else must be Elf64_Sym's size.
        if ((table.EntrySize != 0 && table.EntrySize != ElfLayout.SymSize) || table.Size % ElfLayout.SymSize != 0)
        {
            throw new DumpFormatException(Path, table.HeaderOffset + ElfLayout.ShEntsize, $"{table}: {table.Size} bytes of {table.EntrySize}-byte entries is not a table of {ElfLayout.SymSize}-byte symbols");
        }

        var strings = ReadLinkedStrings(table);
        var bytes = ReadSection(table, InputLimits.Elf.SymbolTableBytes);
        var symbols = new ElfSymbol[bytes.Length / ElfLayout.SymSize];
        for (var i = 0; i < symbols.Length; i++)
        {
            var sym = bytes.AsSpan(i * ElfLayout.SymSize, ElfLayout.SymSize);
            var at = (long)table.Offset + ((long)i * ElfLayout.SymSize);
            symbols[i] = new ElfSymbol(
                strings.Get(BinaryPrimitives.ReadUInt32LittleEndian(sym[ElfLayout.StName..]), at + ElfLayout.StName, $"symbol {i} of {table}"),
                BinaryPrimitives.ReadUInt64LittleEndian(sym[ElfLayout.StValue..]),
                BinaryPrimitives.ReadUInt64LittleEndian(sym[ElfLayout.StSize..]),
                sym[ElfLayout.StInfo],
                sym[ElfLayout.StOther],
                BinaryPrimitives.ReadUInt16LittleEndian(sym[ElfLayout.StShndx..]));
        }

        return symbols;
    }

    /// <summary>The string table a section's sh_link names; it must be an SHT_STRTAB (so no chain of links can loop).</summary>
    private ElfStringTable ReadLinkedStrings(ElfSection section)
    {
        var linkAt = section.HeaderOffset + ElfLayout.ShLink;
        if (section.Link == 0 || section.Link >= Sections.Count || Sections[(int)section.Link].Type != ElfLayout.ShtStrtab)
        {
            throw new DumpFormatException(Path, linkAt, $"{section}: sh_link {section.Link} is not a string table");
        }

        var bytes = ReadSection(Sections[(int)section.Link], InputLimits.Elf.SymbolTableBytes);
        return new ElfStringTable(bytes, Path);
    }
}
