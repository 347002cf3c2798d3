using System.Globalization;
using System.Text;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Sym(string[] args)
    {
        if (args.Length == 0)
        {
            throw new AnalysisUsageException("usage: sym NAME|ADDRESS...");
        }

        var symbols = Session.Symbols ?? throw new AnalysisUsageException($"no symbols: {Session.Kernel.SymbolsProblem}");
        var results = new List<SymbolJson>();
        var text = new StringBuilder();
        foreach (var query in args)
        {
            ulong address;
            if (SymbolsNamed(symbols, query) is { Count: > 0 } matches)
            {
                // Static symbols repeat (many files have a "cpu_callback"): list every one, like crash.
                foreach (var symbol in matches)
                {
                    results.Add(new SymbolJson(query, query, Hex(symbol.Address), symbol.Type.ToString(), null, null));
                    text.Append(CultureInfo.InvariantCulture, $"{symbol.Address:x16} ({symbol.Type}) {query}\n");
                }
            }
            else if (Session.Kernel.VmcoreInfo.Symbol(query) is { } exported)
            {
                // kallsyms leaves out its own tables (scripts/kallsyms.c ignores kallsyms_*), but
                // VMCOREINFO exports them as SYMBOL(name): already relocated by KASLR.
                results.Add(new SymbolJson(query, query, Hex(exported), "?", null, null));
                text.Append(CultureInfo.InvariantCulture, $"{exported:x16} (?) {query}  (from VMCOREINFO)\n");
            }
            else if (Session.Modules is { } modules && modules.TryGetAddress(query, out var inModule)
                && Session.Describe(inModule) is { Module: { } module } named)
            {
                // A module's own symbol ("nkcrash_oops", or "nkcrash:nkcrash_oops" for one module's).
                results.Add(new SymbolJson(query, named.Function, Hex(inModule), "t", null, null) { Module = module });
                text.Append(CultureInfo.InvariantCulture, $"{inModule:x16} (t) {named.Function} [{module}]\n");
            }
            else if (TryParseHex(query, out address) && Session.Modules?.Containing(address) is { } holder)
            {
                // In a module: named by the module's symbols, as the kernel's traces name it.
                if (Session.Describe(address) is { } code)
                {
                    results.Add(new SymbolJson(query, code.Function, Hex(address), "t", Hex(code.Offset), null) { Module = holder.Name });
                    text.Append(CultureInfo.InvariantCulture, $"{address:x16} (t) {code}\n");
                }
                else
                {
                    var why = $"in module {holder.Name}, whose symbols are missing: {Session.Modules.SymbolsProblem(holder) ?? "no symbol at or below it"}";
                    results.Add(new SymbolJson(query, null, Hex(address), null, null, why) { Module = holder.Name });
                    text.Append(CultureInfo.InvariantCulture, $"{address:x16}: {why}\n");
                }
            }
            else if (TryParseHex(query, out address))
            {
                if (symbols.TryResolve(address, out var location))
                {
                    results.Add(new SymbolJson(query, location.Symbol.Name, Hex(address), location.Symbol.Type.ToString(), Hex(location.Offset), null));
                    text.Append(CultureInfo.InvariantCulture, $"{address:x16} ({location.Symbol.Type}) {location}\n");
                }
                else
                {
                    results.Add(new SymbolJson(query, null, Hex(address), null, null, "no symbol covers this address"));
                    text.Append(CultureInfo.InvariantCulture, $"{address:x16}: no symbol covers this address\n");
                }
            }
            else
            {
                results.Add(new SymbolJson(query, null, null, null, null, "no such symbol"));
                text.Append(CultureInfo.InvariantCulture, $"{query}: no such symbol\n");
            }
        }

        return Output(results.All(r => r.Problem is null), text.ToString(), new SymJson(symbols.Source, results), Json.SymJson);
    }

    /// <summary>Every symbol with this name, in address order (the name index is built on first use).</summary>
    private IReadOnlyList<KernelSymbol> SymbolsNamed(ISymbolTable symbols, string name)
    {
        if (!ReferenceEquals(_symbolsByNameSource, symbols))
        {
            _symbolsByName = symbols.Symbols.ToLookup(s => s.Name, StringComparer.Ordinal);
            _symbolsByNameSource = symbols;
        }

        return _symbolsByName![name].ToList();
    }
}
