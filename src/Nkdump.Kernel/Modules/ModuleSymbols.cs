using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel.Modules;

/// <summary>
/// One module's symbols, answering an address the way the kernel's %pS/%pB does for a module
/// (find_kallsyms_symbol() in kernel/module/kallsyms.c): the closest symbol at or below the address
/// among the defined, named, non-mapping symbols; the size runs to the next symbol above it, or at
/// most to the end of the text region the address is in (core or init text). That is how the
/// console prints "nkcrash_oops+0xc/0x20 [nkcrash]".
/// </summary>
public sealed class ModuleSymbols
{
    private readonly KernelSymbol[] _byAddress;
    private readonly Dictionary<string, KernelSymbol> _byName;

    public ModuleSymbols(string module, string source, IEnumerable<KernelSymbol> symbols)
    {
        Module = module;
        Source = source;
        _byAddress = symbols.Where(s => s.Name.Length > 0 && !IsMappingSymbol(s.Name)).OrderBy(s => s.Address).ToArray();
        _byName = new Dictionary<string, KernelSymbol>(StringComparer.Ordinal);
        foreach (var symbol in _byAddress)
        {
            _byName.TryAdd(symbol.Name, symbol);
        }
    }

    public string Module { get; }

    /// <summary>Where the symbols came from: the module's kallsyms in the dump, or a .ko file.</summary>
    public string Source { get; }

    public IReadOnlyList<KernelSymbol> Symbols => _byAddress;

    public bool TryGetAddress(string name, out ulong address)
    {
        var found = _byName.TryGetValue(name, out var symbol);
        address = symbol.Address;
        return found;
    }

    /// <summary>
    /// The symbol for <paramref name="address"/>, its offset and its size, where
    /// <paramref name="regionEnd"/> is the end of the text region holding the address.
    /// </summary>
    public CodeLocation? Resolve(ulong address, ulong regionEnd)
    {
        int lo = 0, hi = _byAddress.Length - 1, best = -1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_byAddress[mid].Address <= address)
            {
                best = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (best < 0)
        {
            return null;
        }

        // Among symbols at one address the kernel keeps the first in table order (the sort is stable).
        while (best > 0 && _byAddress[best - 1].Address == _byAddress[best].Address)
        {
            best--;
        }

        var symbol = _byAddress[best];

        var end = regionEnd;
        for (var i = best + 1; i < _byAddress.Length; i++)
        {
            if (_byAddress[i].Address > symbol.Address)
            {
                end = Math.Min(end, _byAddress[i].Address);
                break;
            }
        }

        return new CodeLocation(symbol.Name, symbol.Address, address - symbol.Address, end > symbol.Address ? end - symbol.Address : 0, Module);
    }

    /// <summary>is_mapping_symbol() (include/linux/module_symbol.h): "$x", ".L…" and "L0…" are assembler artefacts, no names.</summary>
    public static bool IsMappingSymbol(string name) =>
        name.StartsWith('$') || name.StartsWith(".L", StringComparison.Ordinal) || name.StartsWith("L0", StringComparison.Ordinal);
}
