namespace Nkdump.Cli;

/// <summary>
/// Where a command reads and writes. Tests pass their own writers; the process passes the console.
/// Binary output (a dump written to "-") goes through <see cref="OpenStandardOutput"/>.
/// </summary>
internal sealed class CommandContext(TextWriter output, TextWriter error, Func<Stream> openStandardOutput, Func<Stream> openStandardInput)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public Func<Stream> OpenStandardOutput { get; } = openStandardOutput;

    public Func<Stream> OpenStandardInput { get; } = openStandardInput;

    public static CommandContext FromConsole() =>
        new(Console.Out, Console.Error, Console.OpenStandardOutput, Console.OpenStandardInput);
}
