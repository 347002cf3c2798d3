using System.ComponentModel;
using System.Diagnostics;

namespace Nkdump.Capture;

/// <summary>Starting a program in the capture kernel and waiting for it (hooks, lvm).</summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="path"/> (a real path) with its arguments; its exit status, or 127 when it cannot start, as a shell says.</summary>
    public static int Run(string path, string name, IReadOnlyList<string> arguments, CaptureLog log)
    {
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return 127;
            }

            process.WaitForExit();
            return process.ExitCode;
        }
        catch (Win32Exception e)
        {
            log.Error($"cannot run {name}: {e.Message}");
            return 127;
        }
    }
}
