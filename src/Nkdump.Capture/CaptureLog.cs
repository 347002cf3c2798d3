namespace Nkdump.Capture;

/// <summary>
/// The console log of a capture: every line starts with "nkdump: " so that it stands out among the
/// kernel's messages on a serial console, and is flushed at once (the machine may reboot next).
/// Warnings and errors are also kept (<see cref="Incidents"/>): the capture writes them beside the
/// dump as <see cref="IncidentsFile"/>, where they outlive the console.
/// </summary>
public sealed class CaptureLog(TextWriter console)
{
    public const string Prefix = "nkdump: ";

    /// <summary>The file beside a dump that lists what went wrong during its capture (absent when nothing did).</summary>
    public const string IncidentsFile = "nkdump-errors.txt";

    private readonly List<string> _incidents = [];

    /// <summary>The raw console, for the collector's own progress lines.</summary>
    public TextWriter Console { get; } = console;

    /// <summary>Every warning and error so far, as logged ("error: …", "warning: …").</summary>
    public IReadOnlyList<string> Incidents => _incidents;

    public void Info(string message) => Write(message);

    public void Error(string message) => Incident("error: " + message);

    public void Warning(string message) => Incident("warning: " + message);

    /// <summary>The text of <see cref="IncidentsFile"/>: one incident a line.</summary>
    public string IncidentsText() => string.Concat(_incidents.Select(i => i + "\n"));

    private void Incident(string line)
    {
        _incidents.Add(line);
        Write(line);
    }

    private void Write(string line)
    {
        Console.WriteLine(Prefix + line);
        Console.Flush();
    }
}
