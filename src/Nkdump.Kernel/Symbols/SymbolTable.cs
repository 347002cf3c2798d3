namespace Nkdump.Kernel.Symbols;

/// <summary>
/// A symbol table held as an address-sorted array with a name index; every symbol source builds one.
/// Address lookups are binary searches; only text and data symbols (not absolute or per-cpu
/// offsets, whose values are not addresses in the kernel's address space) answer them.
/// </summary>
public sealed class SymbolTable : ISymbolTable
{
    /// <summary>
    /// How far past the last symbol an address may be and still resolve (the last symbol's size is not known).
    /// </summary>
    public const ulong MaxTrailingOffset = 1UL << 20;

    private readonly KernelSymbol[] _byAddress;
    private readonly KernelSymbol[] _locatable;
    private readonly Dictionary<string, ulong> _byName;

    public SymbolTable(string source, IEnumerable<KernelSymbol> symbols)
    {
        Source = source;
        var input = symbols.ToArray();

        // Sort by address; equal addresses keep their input order (the key's low bits are the index).
        var keys = new (ulong Address, int Index)[input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            keys[i] = (input[i].Address, i);
        }

        Array.Sort(keys);
        var sorted = new KernelSymbol[input.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            sorted[i] = input[keys[i].Index];
        }

        _byName = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var symbol in input)
        {
            _byName.TryAdd(symbol.Name, symbol.Address);
        }

        _byAddress = sorted;
        _locatable = sorted.Where(IsLocatable).ToArray();
    }

    public string Source { get; }

    public IReadOnlyList<KernelSymbol> Symbols => _byAddress;

    public bool TryGetAddress(string name, out ulong address) => _byName.TryGetValue(name, out address);

    public bool TryResolve(ulong address, out SymbolLocation location)
    {
        // The last symbol whose address is <= address.
        int lo = 0, hi = _locatable.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (_locatable[mid].Address <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        if (found < 0 || (found == _locatable.Length - 1 && address - _locatable[found].Address > MaxTrailingOffset))
        {
            location = default;
            return false;
        }

        // Among symbols sharing that address prefer a function or global name over a local label; among
        // equals the first in table order, as the kernel's get_symbol_pos() takes the first alias
        // (5.10's asm_call_irq_on_stack, not asm_call_sysvec_on_stack at the same address).
        var first = found;
        while (first > 0 && _locatable[first - 1].Address == _locatable[found].Address)
        {
            first--;
        }

        var best = first;
        for (var i = first + 1; i <= found; i++)
        {
            if (Rank(_locatable[i].Type) > Rank(_locatable[best].Type))
            {
                best = i;
            }
        }

        // Its size, as kallsyms reckons it (get_symbol_pos() in kernel/kallsyms.c): up to the next higher address.
        ulong size = 0;
        for (var i = found + 1; i < _locatable.Length; i++)
        {
            if (_locatable[i].Address > _locatable[best].Address)
            {
                size = _locatable[i].Address - _locatable[best].Address;
                break;
            }
        }

        location = new SymbolLocation(_locatable[best], address - _locatable[best].Address, size);
        return true;
    }

    private static int Rank(char type) => type switch
    {
        'T' => 3,
        't' => 2,
        _ => char.IsUpper(type) ? 1 : 0,
    };

    private static bool IsLocatable(KernelSymbol symbol) =>
        symbol.Type is not ('a' or 'A' or 'U' or 'w' or 'v') && symbol.Address >= 0xff00000000000000;
}
