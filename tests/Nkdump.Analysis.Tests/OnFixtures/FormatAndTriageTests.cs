using System.Text.Json;
using Nkdump.Analysis.Commands;
using Nkdump.Analysis.Shell;
using Nkdump.Analysis.Triage;
using Nkdump.Kernel;
using Nkdump.Testing;

namespace Nkdump.Analysis.Tests.OnFixtures;

/// <summary>The same answers from every dump format; triage signatures that group the same crash.</summary>
public class FormatAndTriageTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    public static TheoryData<string> Dumps61
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in Fixtures.KdumpFiles(Fixture))
            {
                data.Add(Path.GetFileName(file));
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Dumps61))]
    public void KdumpCompressedFilesAnswerLikeTheElfVmcore(string file)
    {
        using var elf = KernelSession.Open(Fixtures.ElfVmcore(Fixture));
        using var kdump = KernelSession.Open(Path.Combine(Fixtures.Dir(Fixture), file));
        foreach (var command in new[] { "bt", "ps", "bt -a", "sym panic", "struct task_struct init_task" })
        {
            var a = new CommandRunner(elf).Run(command);
            var b = new CommandRunner(kdump).Run(command);
            Assert.True(b.Ok, $"{command}: {b.Text}");
            Assert.Equal(a.Json, b.Json);
        }

        Assert.Equal(TriageReport.Build(elf).Signature, TriageReport.Build(kdump).Signature);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void TriageNamesReasonTraceTaintBuildIdAndASignatureBelowTheCrashMachinery(string fixture)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var report = TriageReport.Build(session);
        Assert.Empty(report.Missing);
        Assert.Equal("sysrq triggered crash", report.PanicReason);
        Assert.Equal(session.Kernel.VmcoreInfo.BuildId, report.BuildId);
        Assert.Equal("", report.Taint); // console.txt: "Not tainted"
        Assert.Equal(1, report.Pid);
        Assert.StartsWith("__crash_kexec+0x", report.CallTrace[0], StringComparison.Ordinal);
        Assert.Contains(report.CallTrace, f => f.StartsWith("sysrq_handle_crash+0x", StringComparison.Ordinal));
        Assert.Empty(report.Modules);

        // The signature hashes the reason and the frames below panic: sysrq_handle_crash first.
        var frames = TriageReport.SignatureFrames(new Nkdump.Kernel.Stacks.StackReader(session).Panic().Trace!.Frames).ToList();
        Assert.StartsWith("sysrq_handle_crash", frames[0], StringComparison.Ordinal);
        Assert.Equal(CrashSignature.Compute("sysrq triggered crash", frames), report.Signature);
    }

    [Fact]
    public void BothKernelsCrashingTheSameWayShareOneSignature()
    {
        // Same crash (sysrq c from a shell) on 6.1 and 6.12: offsets and .cold clones differ, the bug does not.
        var signatures = Fixtures.Names.Select(name =>
        {
            using var session = KernelSession.Open(Fixtures.ElfVmcore(name));
            return TriageReport.Build(session).Signature;
        }).Distinct().ToList();
        Assert.Single(signatures);
    }

    [Fact]
    public void PromptRunsCommandsKeepsHistoryAndRecallsEntries()
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(Fixture));
        var input = new StringReader("sym panic\n\nhistory\n!1\n!!\n!9\nbt\nquit\nps\n");
        var output = new StringWriter();
        var shell = new AnalysisShell(new CommandRunner(session), input, output, json: false);
        Assert.Equal(0, shell.Run());
        Assert.Equal(["sym panic", "sym panic", "sym panic", "bt"], shell.History);
        var text = output.ToString();
        Assert.Contains("   1  sym panic", text, StringComparison.Ordinal);
        Assert.Contains("error: no history entry '!9'", text, StringComparison.Ordinal);
        Assert.Contains("sysrq_handle_crash", text, StringComparison.Ordinal);
        Assert.DoesNotContain("kthreadd", text, StringComparison.Ordinal); // "ps" came after quit
    }

    [Fact]
    public void JsonAnswersAreOneArrayOfCommandOkResult()
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(Fixture));
        var runner = new CommandRunner(session);
        var json = AnswerWriter.Json([runner.Run("sys"), runner.Run("kmem -i"), runner.Run("log"), runner.Run("rd -32 init_task 3"), runner.Run("mod")]);
        using var document = JsonDocument.Parse(json);
        var answers = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(["sys", "kmem -i", "log", "rd -32 init_task 3", "mod"], answers.Select(a => a.GetProperty("command").GetString()));
        Assert.All(answers, a => Assert.True(a.GetProperty("ok").GetBoolean(), a.ToString()));
        Assert.Equal("6.1.0-56-amd64", answers[0].GetProperty("result").GetProperty("release").GetString());
        Assert.Contains(answers[2].GetProperty("result").GetProperty("records").EnumerateArray(),
            r => r.GetProperty("text").GetString()!.Contains("KDUMP-LAB: hello from the first kernel", StringComparison.Ordinal));
        Assert.Equal(3, answers[3].GetProperty("result").GetProperty("values").GetArrayLength());
        Assert.Equal(0, answers[4].GetProperty("result").GetProperty("modules").GetArrayLength());
    }
}
