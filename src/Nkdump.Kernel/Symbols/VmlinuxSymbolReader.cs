using Nkdump.Formats;
using Nkdump.Formats.Elf;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Reads the .symtab of a vmlinux (through <see cref="ElfFile"/>) into a symbol table, relocated by
/// KERNELOFFSET like System.map. Type letters are derived the way nm does for the common cases
/// (function T/t, object D/d or B/b by section flags, absolute A). Only .symtab is read; a stripped
/// vmlinux has none and is refused with a clear message.
/// </summary>
public static class VmlinuxSymbolReader
{
    public static SymbolTable Read(string path, ulong kernelOffset = 0)
    {
        using var elf = ElfFile.Open(path);
        return Read(elf, kernelOffset);
    }

    /// <summary>The symbols of an ELF file held in memory; <paramref name="path"/> names it in errors.</summary>
    public static SymbolTable Read(ReadOnlyMemory<byte> file, string path, ulong kernelOffset = 0)
    {
        using var elf = ElfFile.Open(file, path);
        return Read(elf, kernelOffset);
    }

    public static SymbolTable Read(ElfFile elf, ulong kernelOffset = 0)
    {
        var entries = elf.ReadSymbolTable()
            ?? throw new NkdumpException($"{elf.Path}: no .symtab section (a stripped vmlinux); use the debug vmlinux or System.map");
        var sections = elf.Sections;
        var symbols = new List<KernelSymbol>(entries.Count);
        foreach (var symbol in entries)
        {
            // Section and file names, undefined and unnamed entries (entry 0) are no kernel symbols.
            if (symbol.Type is ElfSymbolType.Section or ElfSymbolType.File || symbol.IsUndefined || symbol.Name.Length == 0)
            {
                continue;
            }

            ElfSection? section = symbol.SectionIndex < sections.Count ? sections[symbol.SectionIndex] : null;
            var type = TypeLetter(symbol, section);
            symbols.Add(new KernelSymbol(symbol.Name, type is 'A' or 'a' ? symbol.Value : SystemMapReader.Relocate(symbol.Value, kernelOffset), type));
        }

        return new SymbolTable(elf.Path, symbols);
    }

    private static char TypeLetter(ElfSymbol symbol, ElfSection? section)
    {
        char letter;
        if (symbol.IsAbsolute)
        {
            letter = 'A';
        }
        else if (section is { IsExecutable: true })
        {
            letter = 'T';
        }
        else if (section is { IsNoBits: true })
        {
            letter = 'B';
        }
        else if (section is { IsWritable: true })
        {
            letter = 'D';
        }
        else
        {
            letter = section is { IsAllocated: true } ? 'R' : 'N';
        }

        return symbol.Binding switch
        {
            ElfSymbolBinding.Local => char.ToLowerInvariant(letter),
            ElfSymbolBinding.Weak => 'W',
            _ => letter,
        };
    }
}
