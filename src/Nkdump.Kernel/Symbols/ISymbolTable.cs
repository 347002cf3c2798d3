namespace Nkdump.Kernel.Symbols;

/// <summary>One kernel symbol: name, address (relocated by KASLR where that applies) and nm-style type letter.</summary>
public readonly record struct KernelSymbol(string Name, ulong Address, char Type);

/// <summary>
/// An address resolved to the symbol at or below it. <see cref="Size"/> is the distance from the
/// symbol to the next higher symbol, as kallsyms sizes a symbol (0 for the last one).
/// </summary>
public readonly record struct SymbolLocation(KernelSymbol Symbol, ulong Offset, ulong Size = 0)
{
    public override string ToString() => Offset == 0 ? Symbol.Name : $"{Symbol.Name}+0x{Offset:x}";
}

/// <summary>
/// Kernel symbols from any source (System.map, a vmlinux's .symtab, the kallsyms tables in a
/// dump), with the same answers: name to address and address to symbol+offset.
/// </summary>
public interface ISymbolTable
{
    /// <summary>Where the symbols came from, e.g. "kallsyms in the dump" or a file path.</summary>
    string Source { get; }

    /// <summary>Every symbol, sorted by address.</summary>
    IReadOnlyList<KernelSymbol> Symbols { get; }

    /// <summary>The address of the first symbol with this name (kernels have duplicate static names).</summary>
    bool TryGetAddress(string name, out ulong address);

    /// <summary>The symbol at or below <paramref name="address"/>, with the offset into it.</summary>
    bool TryResolve(ulong address, out SymbolLocation location);
}
