using System.Globalization;
using System.Text;
using Nkdump.Kernel;
using Nkdump.Kernel.Modules;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    /// <summary>
    /// "mod": the loaded modules with the size /proc/modules reports (core and init layouts together),
    /// the core and init sizes apart, the module's taint letters and where its symbols come from.
    /// "mod NAME": that module's memory regions (each with its own base on 6.4+) as well.
    /// </summary>
    private CommandOutput Mod(string[] args)
    {
        if (args.Length > 1)
        {
            throw new AnalysisUsageException("usage: mod [NAME]");
        }

        var modules = Session.Modules ?? throw new AnalysisUsageException($"mod needs the module list: {Session.ModulesProblem}");
        var shown = args is [var name]
            ? [modules.Modules.FirstOrDefault(m => m.Name == name) ?? throw new AnalysisUsageException($"no module named '{name}' is loaded")]
            : modules.Modules;
        var text = new StringBuilder("     MODULE        NAME                     TEXT BASE            SIZE     CORE     INIT  TAINTS  STATE\n");
        var json = new List<ModuleJson>();
        foreach (var m in shown)
        {
            var entry = ModuleToJson(Session, m);
            json.Add(entry);
            text.Append(CultureInfo.InvariantCulture,
                $"{m.Address:x16}  {m.Name,-24} {m.Base:x16} {m.Size,8} {m.CoreSize,8} {m.InitSize,8}  {entry.Taints ?? "",-6}  {m.State}\n");
            if (args.Length == 1)
            {
                foreach (var region in m.Regions)
                {
                    text.Append(CultureInfo.InvariantCulture, $"    {region.Kind,-14} {region.Base:x16} {region.Size,8}\n");
                }

                text.Append(CultureInfo.InvariantCulture, $"    symbols: {entry.Symbols}\n");
            }
        }

        foreach (var problem in modules.Problems)
        {
            text.Append(CultureInfo.InvariantCulture, $"(incomplete: {problem})\n");
        }

        foreach (var note in Session.ModuleFileNotes)
        {
            text.Append(CultureInfo.InvariantCulture, $"(module files: {note})\n");
        }

        if (modules.Modules.Count == 0)
        {
            text.Append("(no modules loaded)\n");
        }

        return Output(modules.Problems.Count == 0, text.ToString(), new ModJson(json, modules.Problems.ToList()), Json.ModJson);
    }

    /// <summary>A module as JSON: its taints as the kernel prints them in "Modules linked in: nkcrash(OE)" (the module taint flags only).</summary>
    internal static ModuleJson ModuleToJson(KernelSession session, KernelModule m)
    {
        string? taints = null;
        if (m.Taints is { } bits)
        {
            var letters = new StringBuilder();
            foreach (var flag in session.TaintFlags.Flags)
            {
                if (flag.Bit < 64 && (bits & (1UL << flag.Bit)) != 0)
                {
                    letters.Append(flag.Letter);
                }
            }

            taints = letters.ToString();
        }

        var symbols = session.Modules?.SymbolsOf(m) is { } table
            ? $"{table.Symbols.Count} from {table.Source}"
            : $"none ({session.Modules?.SymbolsProblem(m) ?? "module list unreadable"})";
        return new(m.Name, Hex(m.Address), Hex(m.Base), m.Size.ToString(CultureInfo.InvariantCulture), m.State.Length == 0 ? null : m.State,
            m.CoreSize.ToString(CultureInfo.InvariantCulture), m.InitSize.ToString(CultureInfo.InvariantCulture), taints,
            m.Regions.Select(r => new ModuleRegionJson(r.Kind, Hex(r.Base), r.Size.ToString(CultureInfo.InvariantCulture))).ToList(), symbols);
    }
}
