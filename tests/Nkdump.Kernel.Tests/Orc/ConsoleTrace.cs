using System.Text.RegularExpressions;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.Orc;

/// <summary>The Call Trace the first kernel printed on its console (expected/console.txt), reliable lines only.</summary>
internal static partial class ConsoleTrace
{
    /// <summary>Function names after "Call Trace:" up to "&lt;/TASK&gt;" or the register dump, skipping "? " guesses.</summary>
    public static IReadOnlyList<string> Functions(string fixture)
    {
        var names = new List<string>();
        var inTrace = false;
        foreach (var line in File.ReadLines(Fixtures.Expected(fixture, "console.txt")))
        {
            if (line.Contains("Call Trace:", StringComparison.Ordinal))
            {
                inTrace = true;
                continue;
            }

            if (!inTrace)
            {
                continue;
            }

            if (line.Contains("</TASK>", StringComparison.Ordinal) || line.Contains("RIP: ", StringComparison.Ordinal))
            {
                break;
            }

            var match = Frame().Match(line);
            if (match.Success)
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    /// <summary>The frames from "panic" on.</summary>
    public static IReadOnlyList<string> FromPanic(string fixture)
    {
        var all = Functions(fixture);
        var panic = all.ToList().IndexOf("panic");
        Assert.True(panic >= 0, $"no panic frame in {fixture}'s console trace");
        return all.Skip(panic).ToList();
    }

    // "[    5.256640]  vfs_write+0xc7/0x3f0" (not "? do_dup2+…").
    [GeneratedRegex(@"^\[\s*[0-9.]+\]\s+([A-Za-z_][A-Za-z0-9_.]*)\+0x[0-9a-f]+/0x[0-9a-f]+")]
    private static partial Regex Frame();
}
