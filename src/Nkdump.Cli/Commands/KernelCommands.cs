namespace Nkdump.Cli.Commands;

/// <summary>Verbs that read a dump's kernel memory: dmesg.</summary>
internal static class KernelCommands
{
    public static IReadOnlyList<Command> All { get; } = [];
}
