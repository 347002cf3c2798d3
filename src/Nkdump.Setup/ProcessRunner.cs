using System.Diagnostics;
using Nkdump.Setup.Boot;

namespace Nkdump.Setup;

/// <summary>Runs real programs for the host verbs (boot loader regenerators, systemctl).</summary>
public static class ProcessRunner
{
    public static CommandRunner Real { get; } = Run;

    private static int Run(IReadOnlyList<string> argv, TextWriter output)
    {
        var info = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new IOException($"cannot start {argv[0]}");
        var stderr = process.StandardError.ReadToEndAsync();
        output.Write(process.StandardOutput.ReadToEnd());
        output.Write(stderr.Result);
        process.WaitForExit();
        return process.ExitCode;
    }
}
