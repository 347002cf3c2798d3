using Nkdump.Formats;
using Nkdump.Setup.Boot;

namespace Nkdump.Setup.Service;

/// <summary>
/// What a program the host verbs run (ssh, mount, ssh-keygen) returned: its exit status and its
/// output, trimmed. Starting it is the only failure handled here; what a non-zero status means is the
/// caller's to say.
/// </summary>
internal readonly record struct CommandOutcome(int Status, string Output)
{
    /// <summary>Runs <paramref name="argv"/>; a program that cannot be started throws "<paramref name="cannotRun"/>: why".</summary>
    public static CommandOutcome Run(CommandRunner runner, IReadOnlyList<string> argv, string cannotRun)
    {
        var output = new StringWriter();
        try
        {
            var status = runner(argv, output);
            return new CommandOutcome(status, output.ToString().Trim());
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            throw new NkdumpException($"{cannotRun}: {e.Message}", e);
        }
    }

    /// <summary>"PROGRAM exit status N: what it said" (without the output when it said nothing).</summary>
    public string Describe(string program) => $"{program} exit status {Status}{(Output.Length > 0 ? ": " + Output : "")}";
}
