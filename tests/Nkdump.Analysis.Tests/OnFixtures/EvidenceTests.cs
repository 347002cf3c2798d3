using System.Globalization;
using System.Text.Json;
using Nkdump.Kernel;
using Nkdump.Kernel.Symbols;
using Nkdump.Testing;

namespace Nkdump.Analysis.Tests.OnFixtures;

/// <summary>
/// The issue's evidence, on every fixture, with no vmlinux and no System.map: bt, ps, sym and struct
/// answered from the dump alone and checked against what the kernel printed, drgn with the debug
/// vmlinux (expected/tasks.txt), and the real System.map.
/// </summary>
public class EvidenceTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void BtOfThePanickingTaskNamesTheKernelsCallTraceFromPanicDown(string fixture)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var (output, json) = Answers.Run(session, "bt");
        Assert.True(output.Ok, output.Text);

        var stack = json.GetProperty("stacks")[0];
        Assert.Equal(1, stack.GetProperty("pid").GetInt32());
        Assert.Equal("init", stack.GetProperty("comm").GetString());
        var names = Answers.Functions(json);
        Assert.Equal(ConsoleTrace.FromPanic(fixture), names.Skip(names.IndexOf("panic")));
        Assert.Contains("panic+0x", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void PsListsEveryTaskOfDrgnWithPidParentCpuStateAndComm(string fixture)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var (output, json) = Answers.Run(session, "ps");
        Assert.True(output.Ok, output.Text);
        var ours = json.GetProperty("tasks").EnumerateArray()
            .Where(t => !t.GetProperty("idle").GetBoolean())
            .Select(t => string.Join(' ', t.GetProperty("pid").GetInt32(), t.GetProperty("ppid").GetInt32(), t.GetProperty("cpu").GetInt32(),
                t.GetProperty("state").GetString(), t.GetProperty("comm").GetString()))
            .ToList();
        var expected = File.ReadAllLines(Fixtures.Expected(fixture, "tasks.txt")).Where(l => l.Length > 0).ToList();
        Assert.Equal(expected, ours);

        // The text form has the same rows (pid, ppid, cpu, state, comm).
        foreach (var line in expected)
        {
            var f = line.Split(' ', 5);
            Assert.Matches($@"(?m)^[ >]\s*{f[0]}\s+{f[1]}\s+{f[2]}\s+[0-9a-f]{{16}}\s+{f[3]}\s+{System.Text.RegularExpressions.Regex.Escape(f[4])}$", output.Text);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void SymAgreesWithTheSystemMapPlusKernelOffsetForEverySymbol(string fixture)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var offset = session.Kernel.VmcoreInfo.KernelOffset!.Value;
        var map = SystemMapReader.Read(Fixtures.SystemMap(fixture), offset);
        var counts = map.Symbols.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.Count());

        // Names that occur once (static functions repeat): name → address must agree for each.
        var unique = map.Symbols.Where(s => counts[s.Name] == 1 && s.Type is not ('a' or 'A' or 'U' or 'w' or 'W')).ToList();
        Assert.True(unique.Count > 50_000);
        var (nameOutput, byName) = Answers.Run(session, "sym " + string.Join(' ', unique.Select(s => s.Name)));
        var answers = byName.GetProperty("symbols").EnumerateArray().ToList();
        Assert.Equal(unique.Count, answers.Count);
        var wrong = new List<string>();
        var unknown = new List<string>();
        for (var i = 0; i < unique.Count; i++)
        {
            var address = answers[i].GetProperty("address");
            var expected = $"0x{unique[i].Address:x}";
            if (address.ValueKind != JsonValueKind.String)
            {
                unknown.Add(unique[i].Name);
            }
            else if (address.GetString() != expected)
            {
                wrong.Add($"{unique[i].Name}: {address} (System.map {expected})");
            }
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} disagree, e.g. {string.Join("; ", wrong.Take(5))}");

        // kallsyms leaves out its own tables (scripts/kallsyms.c); VMCOREINFO exports most of them, and the
        // rest (kallsyms_markers, kallsyms_seqs_of_names) are answered "no such symbol", never wrongly.
        Assert.All(unknown, name => Assert.StartsWith("kallsyms_", name, StringComparison.Ordinal));
        Assert.True(unknown.Count <= 2, string.Join(", ", unknown));
        Assert.Equal(unknown.Count == 0, nameOutput.Ok);

        // Names that repeat (static symbols of different files): sym lists every address System.map has.
        var repeated = map.Symbols.Where(s => counts[s.Name] > 1 && s.Type is not ('a' or 'A')).GroupBy(s => s.Name).ToList();
        Assert.True(repeated.Count > 100);
        var (_, byRepeated) = Answers.Run(session, "sym " + string.Join(' ', repeated.Select(g => g.Key)));
        var listed = byRepeated.GetProperty("symbols").EnumerateArray()
            .Where(a => a.GetProperty("address").ValueKind == JsonValueKind.String)
            .ToLookup(a => a.GetProperty("query").GetString()!, a => a.GetProperty("address").GetString()!);
        foreach (var group in repeated)
        {
            Assert.Equal(group.Select(s => $"0x{s.Address:x}").Order(StringComparer.Ordinal), listed[group.Key].Order(StringComparer.Ordinal));
        }

        // Address → name: every text symbol's address resolves to a symbol at that very address.
        var text = unique.Where(s => s.Type is 'T' or 't').Take(5000).ToList();
        var (_, byAddress) = Answers.Run(session, "sym " + string.Join(' ', text.Select(s => s.Address.ToString("x", CultureInfo.InvariantCulture))));
        var resolved = byAddress.GetProperty("symbols").EnumerateArray().ToList();
        for (var i = 0; i < text.Count; i++)
        {
            Assert.Equal("0x0", resolved[i].GetProperty("offset").GetString());
            Assert.Equal($"0x{text[i].Address:x}", resolved[i].GetProperty("address").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void StructTaskStructOnATaskPrintsItsCommAndPid(string fixture)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var (_, ps) = Answers.Run(session, "ps");
        var tail = ps.GetProperty("tasks").EnumerateArray().First(t => t.GetProperty("comm").GetString() == "tail");
        var address = tail.GetProperty("task").GetString()!;

        var (output, json) = Answers.Run(session, $"struct task_struct {address}");
        Assert.True(output.Ok, output.Text);
        var fields = json.GetProperty("value").GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal("\"tail\"", fields["comm"].GetProperty("value").GetString());
        Assert.Equal(tail.GetProperty("pid").GetInt32().ToString(CultureInfo.InvariantCulture), fields["pid"].GetProperty("value").GetString());
        Assert.Contains("comm = \"tail\",", output.Text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  pid = \d+,$", output.Text);
        Assert.StartsWith("struct task_struct {", output.Text, StringComparison.Ordinal);
    }
}
