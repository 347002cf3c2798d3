namespace Nkdump.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Installed as "makedumpfile" (a symlink), nkdump is a drop-in core collector.
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs().FirstOrDefault() ?? "");
        return invokedAs == Commands.CollectorCommands.MakedumpfileName
            ? CommandLine.RunPersonality("collect", args, CommandContext.FromConsole())
            : CommandLine.Run(args, CommandContext.FromConsole());
    }
}
