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
        foreach (var (name, value) in expected)
        {
            Assert.True(ours.TryGetValue(name, out var mine), $"bt printed no {name}");
            Assert.Equal(value, mine);
        }
    }

    [GeneratedRegex(@"\b(R[A-Z0-9]{1,2}|ORIG_RAX): ([0-9a-f]{16})\b")]
    private static partial Regex ConsoleRegister();

    [GeneratedRegex(@"RSP: [0-9a-f]{4}:([0-9a-f]{16})")]
    private static partial Regex ConsoleRsp();

    [GeneratedRegex(@"\b(R[A-Z0-9]+|ORIG_RAX):\s+([0-9a-f]{16})")]
    private static partial Regex OurRegister();
}
