using System.Text.Json;
using Nkdump.Testing;

namespace Nkdump.Cli.Tests;

/// <summary>The analyze and triage verbs, end to end on the real dumps.</summary>
public class AnalysisCommandTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void AnalyzeBtPrintsThePanicStack(string fixture)
    {
        var (code, output, error) = CliRunner.Run("analyze", Fixtures.ElfVmcore(fixture), "-c", "bt");
        Assert.True(code == 0, error + output);
        Assert.Contains("COMMAND: \"init\"", output, StringComparison.Ordinal);
        Assert.Matches(@"#\d+\s+\[[0-9a-f ]+\] panic\+0x[0-9a-f]+/0x[0-9a-f]+ at [0-9a-f]+", output); // func+off/size, as the kernel prints it
        Assert.Contains("sysrq_handle_crash+0x", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralCommandsInJsonGiveOneArray()
    {
        var (code, output, _) = CliRunner.Run("analyze", Fixtures.ElfVmcore(Fixture), "--json", "-c", "ps", "-c", "sym panic", "-c", "bt -a");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var answers = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["ps", "sym panic", "bt -a"], answers.Select(a => a.GetProperty("command").GetString()));
        Assert.Equal(58, answers[0].GetProperty("result").GetProperty("tasks").GetArrayLength()); // 56 tasks + 2 idle
        Assert.Equal(2, answers[2].GetProperty("result").GetProperty("stacks").GetArrayLength());
    }

    [Fact]
    public void TextForSeveralCommandsShowsEachCommand()
    {
        var (code, output, _) = CliRunner.Run("analyze", Fixtures.ElfVmcore(Fixture), "-c", "sym init_task", "-c", "mod");
        Assert.Equal(0, code);
        Assert.Contains("nkdump> sym init_task\n", output, StringComparison.Ordinal);
        Assert.Contains("nkdump> mod\n", output, StringComparison.Ordinal);
        Assert.Contains("(D) init_task", output, StringComparison.Ordinal);
    }

    [Fact]
    public void AFailedCommandGivesExitOneButTheOthersStillAnswer()
    {
        var (code, output, _) = CliRunner.Run("analyze", Fixtures.ElfVmcore(Fixture), "-c", "bt 424242", "-c", "sym panic");
        Assert.Equal(1, code);
        Assert.Contains("error: no task with pid 424242", output, StringComparison.Ordinal);
        Assert.Contains("(T) panic", output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutCommandsAPromptReadsStandardInput()
    {
        // CliRunner's standard input is empty: the prompt is shown once and the session ends cleanly.
        var (code, output, _) = CliRunner.Run("analyze", Fixtures.ElfVmcore(Fixture));
        Assert.Equal(0, code);
        Assert.StartsWith("nkdump> ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemMapOptionGivesTheSameStack()
    {
        var dump = Fixtures.ElfVmcore(Fixture);
        var (_, fromKallsyms, _) = CliRunner.Run("analyze", dump, "--json", "-c", "bt");
        var (code, fromMap, error) = CliRunner.Run("analyze", dump, "--json", "--system-map", Fixtures.SystemMap(Fixture), "-c", "bt");
        Assert.True(code == 0, error);
        Assert.Equal(fromKallsyms, fromMap);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void TriageJsonHasReasonTraceTaintBuildIdModulesAndSignature(string fixture)
    {
        var (code, output, error) = CliRunner.Run("triage", Fixtures.ElfVmcore(fixture), "--json");
        Assert.True(code == 0, error + output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("sysrq triggered crash", root.GetProperty("panic_reason").GetString());
        Assert.Matches("^[0-9a-f]{16}$", root.GetProperty("signature").GetString());
        Assert.Matches("^[0-9a-f]{40}$", root.GetProperty("build_id").GetString());
        Assert.Equal("", root.GetProperty("taint").GetString());
        Assert.Equal(0, root.GetProperty("modules").GetArrayLength());
        Assert.Contains(root.GetProperty("call_trace").EnumerateArray(), f => f.GetString()!.StartsWith("panic+0x", StringComparison.Ordinal));
        Assert.Equal(0, root.GetProperty("missing").GetArrayLength());
    }

    [Fact]
    public void TriageSignatureIsTheSameForEveryFormatOfOneCrash()
    {
        var files = new[] { Fixtures.ElfVmcore(Fixture) }.Concat(Fixtures.KdumpFiles(Fixture));
        var signatures = files.Select(file =>
        {
            var (_, output, _) = CliRunner.Run("triage", file, "--json");
            using var json = JsonDocument.Parse(output);
            return json.RootElement.GetProperty("signature").GetString();
        }).Distinct().ToList();
        Assert.Single(signatures);
    }

    [Fact]
    public void AMissingDumpIsAnErrorWithExitOne()
    {
        var (code, _, error) = CliRunner.Run("analyze", "/nonexistent/vmcore", "-c", "bt");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/vmcore", error, StringComparison.Ordinal);
    }
}
