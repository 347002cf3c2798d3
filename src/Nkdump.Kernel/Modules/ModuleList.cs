using System.Buffers.Binary;
using System.Globalization;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel.Modules;

/// <summary>
/// The loaded modules: the list at the kernel variable <c>modules</c>, entries linked by
/// struct module.list, read with the layout BTF gives (<see cref="ModuleLayout"/>). Each module's
/// symbols are read from its own table in memory on first use (<see cref="ModuleKallsymsReader"/>),
/// or taken from its .ko file when one was given (<see cref="UseObjectFile"/>).
/// </summary>
public sealed class ModuleList
{
    private readonly KernelContext _kernel;
    private readonly Dictionary<string, ModuleSymbols?> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _symbolProblems = new(StringComparer.Ordinal);

    private ModuleList(KernelContext kernel, IReadOnlyList<KernelModule> modules, IReadOnlyList<string> problems)
    {
        _kernel = kernel;
        Modules = modules;
        Problems = problems;
    }

    public IReadOnlyList<KernelModule> Modules { get; }

    public IReadOnlyList<string> Problems { get; }

    public static ModuleList Read(KernelContext kernel, BtfTypes btf)
    {
        var symbols = kernel.Symbols ?? throw new NkdumpException($"modules need kernel symbols: {kernel.SymbolsProblem}");
        if (!symbols.TryGetAddress("modules", out var head))
        {
            throw new NkdumpException("no 'modules' symbol: the module list cannot be found");
        }

        var layout = ModuleLayout.From(btf);
        var modules = new List<KernelModule>();
        var problems = new List<string>();
        var seen = new HashSet<ulong>();
        var unreadableKallsyms = new Dictionary<string, string>(StringComparer.Ordinal);
        var link = head;
        var memory = kernel.Memory;
        while (modules.Count < InputLimits.Kernel.Modules)
        {
            if (!memory.TryReadUInt64(link, out var next, out var failure))
            {
                problems.Add($"module list broken at 0x{link:x}: {failure}");
                break;
            }

            if (next == head)
            {
                break;
            }

            if (next == 0 || !seen.Add(next))
            {
                problems.Add($"module list loops or ends in NULL at 0x{link:x}");
                break;
            }

            link = next;
            var address = next - (ulong)layout.List;
            try
            {
                var (module, kallsymsProblem) = ReadModule(kernel, layout, address);
                modules.Add(module);
                if (kallsymsProblem is not null)
                {
                    unreadableKallsyms[module.Name] = kallsymsProblem;
                }
            }
            catch (NkdumpException ex)
            {
                problems.Add($"module at 0x{address:x}: {ex.Message}");
            }
        }

        var list = new ModuleList(kernel, modules, problems);
        foreach (var (name, problem) in unreadableKallsyms)
        {
            list._symbols[name] = null;
            list._symbolProblems[name] = problem;
        }

        return list;
    }

    /// <summary>The ORC tables of the modules that have one (unreadable ones are skipped).</summary>
    public IEnumerable<OrcTable> OrcTables(KernelContext kernel, OrcFormat format)
    {
        foreach (var module in Modules)
        {
            if (module.Orc is { Count: > 0 } orc)
            {
                OrcTable? table = null;
                try
                {
                    table = OrcTable.Read(kernel, module.Name, orc.IpTable, orc.EntryTable, orc.Count, format);
                }
                catch (NkdumpException)
                {
                    // A module whose ORC pages are not in the dump: frames in it fall back to frame pointers.
                }

                if (table is not null)
                {
                    yield return table;
                }
            }
        }
    }

    /// <summary>The module one of whose memory regions contains <paramref name="address"/>, or null.</summary>
    public KernelModule? Containing(ulong address) => Modules.FirstOrDefault(m => m.RegionOf(address) is not null);

    /// <summary>
    /// Uses the symbols of a .ko file for the loaded module of the same name (its sections placed
    /// where the module's own symbols, or its section addresses, put them). Returns the module's name.
    /// </summary>
    public string UseObjectFile(string path)
    {
        var file = ModuleObjectFile.Read(path);
        var module = Modules.FirstOrDefault(m => m.Name == file.Name)
            ?? throw new NkdumpException($"{path}: module '{file.Name}' is not loaded in this dump");
        _symbols[module.Name] = file.Place(module, InMemorySymbols(module));
        _symbolProblems.Remove(module.Name);
        return module.Name;
    }

    /// <summary>A module's symbols (from its .ko when one was given, else from memory), or null (see <see cref="SymbolsProblem"/>).</summary>
    public ModuleSymbols? SymbolsOf(KernelModule module)
    {
        if (!_symbols.TryGetValue(module.Name, out var symbols))
        {
            symbols = InMemorySymbols(module);
            _symbols[module.Name] = symbols;
        }

        return symbols;
    }

    /// <summary>Why a module has no symbols, or null.</summary>
    public string? SymbolsProblem(KernelModule module) => SymbolsOf(module) is null ? _symbolProblems.GetValueOrDefault(module.Name) : null;

    /// <summary>An address in a module's code or data as the kernel names it: "func+0x1c/0x40 [mod]"; null when no module holds it.</summary>
    public CodeLocation? Resolve(ulong address)
    {
        if (Containing(address) is not { } module)
        {
            return null;
        }

        // The size is bounded by the end of the region holding the address (the text region, for code).
        var region = module.RegionOf(address)!;
        return SymbolsOf(module)?.Resolve(address, region.Base + region.Size);
    }

    /// <summary>A module symbol's address by name ("name" or "module:name"), or null.</summary>
    public bool TryGetAddress(string name, out ulong address)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        foreach (var module in Modules)
        {
            if (colon > 0 && name[..colon] != module.Name)
            {
                continue;
            }

            if (SymbolsOf(module) is { } symbols && symbols.TryGetAddress(colon > 0 ? name[(colon + 1)..] : name, out address))
            {
                return true;
            }
        }

        address = 0;
        return false;
    }

    private ModuleSymbols? InMemorySymbols(KernelModule module)
    {
        if (module.Kallsyms is not { } table)
        {
            _symbolProblems[module.Name] = "the kernel keeps no symbol table for it (struct module has no kallsyms)";
            return null;
        }

        try
        {
            return ModuleKallsymsReader.Read(_kernel.Memory, module.Name, table);
        }
        catch (NkdumpException e)
        {
            _symbolProblems[module.Name] = e.Message;
            return null;
        }
    }

    private static (KernelModule Module, string? KallsymsProblem) ReadModule(KernelContext kernel, ModuleLayout layout, ulong address)
    {
        var memory = kernel.Memory;
        var name = memory.ReadCString(address + (ulong)layout.Name, layout.NameLength, "module name");
        var state = "";
        Span<byte> scratch = stackalloc byte[4];
        if (layout.State is { } s && layout.StateEnum is { } stateEnum && memory.TryRead(address + (ulong)s, scratch, out _))
        {
            var value = BinaryPrimitives.ReadUInt32LittleEndian(scratch);
            state = stateEnum.Enumerators.FirstOrDefault(x => x.Value == value).Name ?? value.ToString(CultureInfo.InvariantCulture);
        }

        ulong? taints = layout.Taints is { } t && memory.TryReadUInt64(address + (ulong)t, out var bits, out _) ? bits : null;
        ModuleOrcLocation? orc = null;
        if (layout.OrcCount is { } c && layout.OrcIp is { } i && layout.OrcEntries is { } o)
        {
            orc = new ModuleOrcLocation(memory.ReadPointer(address + (ulong)i, "module orc_unwind_ip"),
                memory.ReadPointer(address + (ulong)o, "module orc_unwind"), memory.ReadUInt32(address + (ulong)c, "module num_orcs"));
        }

        // An unreadable mod_kallsyms leaves the module listed without symbols (SymbolsProblem says why).
        ModuleKallsymsLocation? kallsyms = null;
        string? problem = null;
        try
        {
            kallsyms = ModuleKallsymsReader.Locate(memory, layout, address);
        }
        catch (NkdumpException e)
        {
            problem = e.Message;
        }

        return (new KernelModule(address, name, state, layout.ReadRegions(memory, address), taints, orc, kallsyms), problem);
    }
}
