namespace Nkdump.Capture;

/// <summary>
/// The console log of a capture: every line starts with "nkdump: " so that it stands out among the
/// kernel's messages on a serial console, and is flushed at once (the machine may reboot next).
/// </summary>
public sealed class CaptureLog(TextWriter console)
{
    public const string Prefix = "nkdump: ";

    /// <summary>The raw console, for the collector's own progress lines.</summary>
    public TextWriter Console { get; } = console;

    public void Info(string message) => Write(message);

    public void Error(string message) => Write("error: " + message);

    public void Warning(string message) => Write("warning: " + message);

    private void Write(string line)
    {
        Console.WriteLine(Prefix + line);
        Console.Flush();
    }
}
