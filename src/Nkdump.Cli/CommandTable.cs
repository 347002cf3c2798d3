using Nkdump.Cli.Commands;

namespace Nkdump.Cli;

/// <summary>
/// Every verb nkdump has, in the order --help lists them. Explicit on purpose: NativeAOT and the
/// trimmer see every command, and there is no discovery by reflection. Each area keeps its verbs
/// in its own file under Commands/.
/// </summary>
internal static class CommandTable
{
    public static IReadOnlyList<Command> All { get; } =
    [
        .. DumpFileCommands.All,
        .. KernelCommands.All,
        .. CollectorCommands.All,
        .. CaptureCommands.All,
        .. AnalysisCommands.All,
        .. HostCommands.All,
        .. Fleet.FleetCommands.All,
    ];

    public static Command? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
