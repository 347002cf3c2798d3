using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel.Modules;

/// <summary>
/// A module's .ko file (an ELF relocatable object, read through <see cref="ElfFile"/>): its name and
/// its full .symtab, whose values are offsets into its sections. To give those symbols addresses
/// the sections are placed where the loaded module has them: each section's base is the address the
/// module's own symbol table (in the dump) gives one of the section's symbols minus its offset, the
/// base most of its symbols agree on. The .ko names every symbol, also the ones the kernel dropped
/// from its table (init code, and data where CONFIG_KALLSYMS_ALL is off).
/// </summary>
internal sealed class ModuleObjectFile
{
    private readonly IReadOnlyList<ElfSymbol> _symbols;
    private readonly IReadOnlyList<ElfSection> _sections;

    private ModuleObjectFile(string path, string name, IReadOnlyList<ElfSymbol> symbols, IReadOnlyList<ElfSection> sections)
    {
        Path = path;
        Name = name;
        _symbols = symbols;
        _sections = sections;
    }

    public string Path { get; }

    /// <summary>The module's name: .modinfo's "name=" (what the kernel calls it), else the file name with '-' as '_'.</summary>
    public string Name { get; }

    public static ModuleObjectFile Read(string path)
    {
        using var elf = ElfFile.Open(path);
        if (!elf.Header.IsRelocatable)
        {
            throw new NkdumpException($"{path}: not a kernel module (ELF type {elf.Header.Type}, not a relocatable object)");
        }

        var symbols = elf.ReadSymbolTable() ?? throw new NkdumpException($"{path}: no .symtab (a stripped module) to take symbols from");
        var name = elf.ReadStrings(".modinfo", 1 << 20)?.FirstOrDefault(s => s.StartsWith("name=", StringComparison.Ordinal))?[5..];
        if (string.IsNullOrEmpty(name))
        {
            name = System.IO.Path.GetFileName(path).Split('.')[0].Replace('-', '_');
        }

        return new ModuleObjectFile(path, name, symbols, elf.Sections);
    }

    /// <summary>
    /// The file's symbols at the addresses the loaded <paramref name="module"/> has them. Sections no
    /// symbol of <paramref name="loaded"/> places are left out (an init section freed after loading).
    /// </summary>
    public ModuleSymbols Place(KernelModule module, ModuleSymbols? loaded)
    {
        if (loaded is null)
        {
            throw new NkdumpException($"{Path}: the dump has no symbol table of module {module.Name} to place the file's sections by");
        }

        var bases = SectionBases(loaded);
        var symbols = new List<KernelSymbol>();
        foreach (var symbol in _symbols)
        {
            if (symbol.Type is ElfSymbolType.Section or ElfSymbolType.File || !symbol.IsInSection || symbol.Name.Length == 0
                || !bases.TryGetValue(symbol.SectionIndex, out var sectionBase))
            {
                continue;
            }

            symbols.Add(new KernelSymbol(symbol.Name, sectionBase + symbol.Value, TypeLetter(symbol, _sections[symbol.SectionIndex])));
        }

        if (symbols.Count == 0)
        {
            throw new NkdumpException($"{Path}: none of its symbols is in the loaded module {module.Name}'s table: is it the file that was loaded?");
        }

        return new ModuleSymbols(module.Name, Path, symbols);
    }

    /// <summary>Each section's load address, by the vote of its symbols that the loaded table names.</summary>
    private Dictionary<int, ulong> SectionBases(ModuleSymbols loaded)
    {
        var votes = new Dictionary<(int Section, ulong Base), int>();
        foreach (var symbol in _symbols)
        {
            if (symbol.IsInSection && symbol.Name.Length > 0 && symbol.Type is not (ElfSymbolType.Section or ElfSymbolType.File)
                && symbol.SectionIndex < _sections.Count && loaded.TryGetAddress(symbol.Name, out var address) && address >= symbol.Value)
            {
                var key = (symbol.SectionIndex, address - symbol.Value);
                votes[key] = votes.GetValueOrDefault(key) + 1;
            }
        }

        return votes.GroupBy(v => v.Key.Section).ToDictionary(g => g.Key, g => g.MaxBy(v => v.Value).Key.Base);
    }

    private static char TypeLetter(ElfSymbol symbol, ElfSection section)
    {
        var letter = section.IsExecutable ? 't' : section.IsNoBits ? 'b' : section.IsWritable ? 'd' : 'r';
        return symbol.Binding == ElfSymbolBinding.Local ? letter : char.ToUpperInvariant(letter);
    }
}
