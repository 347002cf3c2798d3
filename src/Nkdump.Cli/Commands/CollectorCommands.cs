namespace Nkdump.Cli.Commands;

/// <summary>Verbs of the core collector: collect (and the makedumpfile personality).</summary>
internal static class CollectorCommands
{
    public static IReadOnlyList<Command> All { get; } = [];
}
