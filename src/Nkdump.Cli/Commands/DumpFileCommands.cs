namespace Nkdump.Cli.Commands;

/// <summary>Verbs that work on a dump file anywhere: info, dmesg, convert, reassemble.</summary>
internal static class DumpFileCommands
{
    public static IReadOnlyList<Command> All { get; } = [];
}
