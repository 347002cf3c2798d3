namespace Nkdump.Cli.Tests;

/// <summary>Runs the command line in-process with captured output.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var binary = new MemoryStream();
        var context = new CommandContext(output, error, () => binary, () => Stream.Null);
        var code = CommandLine.Run(args, context);
        return (code, output.ToString(), error.ToString());
    }
}
