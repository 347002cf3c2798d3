namespace Nkdump.Cli.Commands;

/// <summary>Post-mortem verbs: analyze, triage.</summary>
internal static class AnalysisCommands
{
    public static IReadOnlyList<Command> All { get; } = [];
}
