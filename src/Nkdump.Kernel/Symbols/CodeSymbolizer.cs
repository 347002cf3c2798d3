using Nkdump.Kernel.Modules;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Names code addresses the way the kernel's own traces do: a module's addresses by that module's
/// symbols ("nkcrash_oops+0xc/0x20 [nkcrash]"), the others by the kernel's ("panic+0x118/0x2f4").
/// An address inside a module whose symbols are missing gets no name (never a vmlinux symbol far
/// below it), only its module (<see cref="ModuleOf"/>).
/// </summary>
public sealed class CodeSymbolizer(ISymbolTable? kernelSymbols, ModuleList? modules)
{
    public CodeLocation? Describe(ulong address)
    {
        if (modules?.Containing(address) is not null)
        {
            return modules.Resolve(address);
        }

        return kernelSymbols is not null && kernelSymbols.TryResolve(address, out var location)
            ? new CodeLocation(location.Symbol.Name, location.Symbol.Address, location.Offset, location.Size, null)
            : null;
    }

    /// <summary>The name of the module whose memory holds <paramref name="address"/>, or null.</summary>
    public string? ModuleOf(ulong address) => modules?.Containing(address)?.Name;
}
