using System.Globalization;
using System.Text;

namespace Nkdump.Analysis.Commands;

public sealed partial class CommandRunner
{
    private CommandOutput Mod(string[] args)
    {
        NoArguments(args, "mod");

        var modules = Session.Modules ?? throw new AnalysisUsageException($"mod needs the module list: {Session.ModulesProblem}");
        var text = new StringBuilder("     MODULE            NAME                         BASE          SIZE  STATE\n");
        var json = new List<ModuleJson>();
        foreach (var m in modules.Modules)
        {
            json.Add(ModuleToJson(m));
            text.Append(CultureInfo.InvariantCulture, $"{m.Address:x16}  {m.Name,-24} {m.Base:x16} {m.Size,8}  {m.State}\n");
        }

        foreach (var problem in modules.Problems)
        {
            text.Append(CultureInfo.InvariantCulture, $"(incomplete: {problem})\n");
        }

        if (modules.Modules.Count == 0)
        {
            text.Append("(no modules loaded)\n");
        }

        return Output(modules.Problems.Count == 0, text.ToString(), new ModJson(json, modules.Problems.ToList()), Json.ModJson);
    }

    internal static ModuleJson ModuleToJson(Nkdump.Kernel.Modules.KernelModule m) =>
        new(m.Name, Hex(m.Address), Hex(m.Base), m.Size.ToString(CultureInfo.InvariantCulture), m.State.Length == 0 ? null : m.State);
}
