using System.Text.RegularExpressions;
using Nkdump.Testing;

namespace Nkdump.Analysis.Tests.OnFixtures;

/// <summary>The reliable frames of the Call Trace the crashed kernel printed (expected/console.txt), from "panic" on.</summary>
internal static partial class ConsoleTrace
{
    public static IReadOnlyList<string> FromPanic(string fixture)
    {
        var names = new List<string>();
        var inTrace = false;
        foreach (var line in File.ReadLines(Fixtures.Expected(fixture, "console.txt")))
        {
            if (line.Contains("Call Trace:", StringComparison.Ordinal))
            {
                inTrace = true;
            }
            else if (inTrace && (line.Contains("</TASK>", StringComparison.Ordinal) || line.Contains("RIP: ", StringComparison.Ordinal)))
            {
                break;
            }
            else if (inTrace && Frame().Match(line) is { Success: true } match)
            {
                names.Add(match.Groups[1].Value);
            }
        }

        var panic = names.IndexOf("panic");
        Assert.True(panic >= 0, $"no panic frame in {fixture}'s console trace");
        return names.Skip(panic).ToList();
    }

    [GeneratedRegex(@"^\[\s*[0-9.]+\]\s+([A-Za-z_][A-Za-z0-9_.]*)\+0x[0-9a-f]+/0x[0-9a-f]+")]
    private static partial Regex Frame();
}
