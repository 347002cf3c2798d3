namespace Nkdump.Cli.Commands;

/// <summary>Verbs of the capture side: save (in the capture kernel), savecore (next boot, raw targets).</summary>
internal static class CaptureCommands
{
    public static IReadOnlyList<Command> All { get; } = [];
}
