namespace Nkdump.Cli;

public static class Program
{
    public static int Main(string[] args) => CommandLine.Run(args, CommandContext.FromConsole());
}
