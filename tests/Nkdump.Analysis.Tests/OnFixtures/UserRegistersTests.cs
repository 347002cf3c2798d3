using System.Text.RegularExpressions;
using Nkdump.Analysis.Commands;
using Nkdump.Kernel;
using Nkdump.Testing;

namespace Nkdump.Analysis.Tests.OnFixtures;

/// <summary>The user-space registers bt prints from the syscall's pt_regs equal the ones the kernel printed after its Call Trace.</summary>
public partial class UserRegistersTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void EntryPtRegsEqualTheConsoleRegisterDump(string fixture)
    {
        // "RSP: 002b:00007ffffd0b8b98 EFLAGS: 00000202 ORIG_RAX: 0000000000000001" and "RAX: … RBX: … RCX: …" lines.
        var console = File.ReadAllText(Fixtures.Expected(fixture, "console.txt"));
        var dump = console[console.IndexOf("RIP: 0033:", StringComparison.Ordinal)..];
        dump = dump[..dump.IndexOf("</TASK>", StringComparison.Ordinal)];
        var expected = ConsoleRegister().Matches(dump).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        expected["RSP"] = ConsoleRsp().Match(dump).Groups[1].Value;
        Assert.True(expected.Count >= 16, string.Join(",", expected.Keys));

        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var text = new CommandRunner(session).Run("bt").Text;
        var ours = OurRegister().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        ours["RSP"] = ConsoleRsp().Match(text).Groups[1].Value;
        foreach (var (name, value) in expected)
        {
            Assert.True(ours.TryGetValue(name, out var mine), $"bt printed no {name}");
            Assert.Equal(value, mine);
        }

        // And as the kernel lays them out: "RIP: 0033:0x…", "RSP: 002b:… EFLAGS: … ORIG_RAX: …", three registers a line.
        var consoleLines = dump.Split('\n').Select(l => TimeStamp().Replace(l, "").Trim())
            .Where(l => l.StartsWith("RIP: ", StringComparison.Ordinal) || l.StartsWith("RSP: ", StringComparison.Ordinal) || RegisterLine().IsMatch(l)).ToList();
        var ourLines = text.Split('\n').Select(l => l.Trim()).ToHashSet();
        Assert.True(consoleLines.Count >= 7, string.Join("|", consoleLines));
        Assert.All(consoleLines, l => Assert.Contains(l, ourLines));
    }

    [GeneratedRegex(@"^\[\s*[0-9.]+\]\s?")]
    private static partial Regex TimeStamp();

    [GeneratedRegex(@"^(R[A-Z0-9]{2}: [0-9a-f]{16} ?){3}$")]
    private static partial Regex RegisterLine();

    [GeneratedRegex(@"\b(R[A-Z0-9]{1,2}|ORIG_RAX): ([0-9a-f]{16})\b")]
    private static partial Regex ConsoleRegister();

    [GeneratedRegex(@"RSP: [0-9a-f]{4}:([0-9a-f]{16})")]
    private static partial Regex ConsoleRsp();

    [GeneratedRegex(@"\b(R[A-Z0-9]+|ORIG_RAX):\s+([0-9a-f]{16})")]
    private static partial Regex OurRegister();
}
