using Nkdump.Analysis.Commands;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Analysis.Tests.OnFixtures;

/// <summary>Missing pieces (no BTF, no symbols, excluded pages) give answers that say what is missing, never a crash.</summary>
public class PartialAnswerTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    [Fact]
    public void WithoutBtfTheStackIsStillFoundAndTypeCommandsSayWhatIsMissing()
    {
        // A System.map without __start_BTF/__stop_BTF: symbols work, the kernel's BTF cannot be found.
        using var temp = new TempDirectory();
        var map = temp.File("System.map");
        File.WriteAllLines(map, File.ReadLines(Fixtures.SystemMap(Fixture)).Where(l => !l.EndsWith("_BTF", StringComparison.Ordinal)));
        using var session = KernelSession.Open(Fixtures.ElfVmcore(Fixture), new KernelSessionOptions { SystemMap = map });
        var runner = new CommandRunner(session);

        var bt = runner.Run("bt");
        Assert.Contains("panic+0x", bt.Text, StringComparison.Ordinal);
        Assert.Contains("sysrq_handle_crash", bt.Text, StringComparison.Ordinal);

        foreach (var command in new[] { "ps", "struct task_struct init_task", "mod", "foreach bt", "bt 1" })
        {
            var answer = runner.Run(command);
            Assert.False(answer.Ok);
            Assert.Contains("BTF", answer.Text, StringComparison.Ordinal);
            Assert.Contains("\"error\"", answer.Json, StringComparison.Ordinal);
        }

        var sys = runner.Run("sys");
        Assert.False(sys.Ok);
        Assert.Contains("6.1.0-56-amd64", sys.Text, StringComparison.Ordinal);
        Assert.Contains("MISSING", sys.Text, StringComparison.Ordinal);
        Assert.True(runner.Run("sym panic").Ok);
    }

    [Fact]
    public void WithoutSymbolsEveryCommandAnswersWithTheReason()
    {
        using var temp = new TempDirectory();
        var map = temp.File("System.map");
        File.WriteAllText(map, "ffffffff81000000 T _stext\n");
        using var session = KernelSession.Open(Fixtures.ElfVmcore(Fixture), new KernelSessionOptions { SystemMap = map });
        var runner = new CommandRunner(session);
        foreach (var command in CommandRunner.Commands.Select(c => c.Name == "foreach" ? "foreach bt" : c.Name == "kmem" ? "kmem -i" : c.Name))
        {
            var answer = runner.Run(command);
            Assert.NotNull(answer.Text);
            Assert.NotEmpty(answer.Json);
        }

        var bt = runner.Run("bt");
        Assert.False(bt.Ok);
        Assert.Contains("__start_orc_unwind_ip", bt.Text, StringComparison.Ordinal);
        Assert.False(runner.Run("sym panic").Ok);
        Assert.Contains("6.1.0-56-amd64", runner.Run("sys").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExcludedPagesAreReportedNotReadAsZeros()
    {
        // -d 31 drops free pages: find one in the direct map and read it.
        var dumpPath = Fixtures.KdumpFiles(Fixture).First(f => f.EndsWith("zlib-d31", StringComparison.Ordinal));
        using var session = KernelSession.Open(dumpPath);
        var memory = session.Dump.Memory;
        var pfn = memory.Ranges.SelectMany(r => Enumerable.Range(0, (int)Math.Min(r.EndPfn - r.StartPfn, 1 << 20)).Select(i => r.StartPfn + (ulong)i))
            .First(p => p > 0x1000 && memory.GetPageState(p) == PageState.Excluded);
        var physical = pfn * (ulong)memory.PageSize;
        var runner = new CommandRunner(session);

        var rd = runner.Run($"rd -p {physical:x} 4");
        Assert.False(rd.Ok);
        Assert.Contains("excluded", rd.Text, StringComparison.OrdinalIgnoreCase);

        var virtualAddress = session.Kernel.Layout.PageOffsetBase + physical;
        var structAnswer = runner.Run($"struct task_struct {virtualAddress:x}");
        Assert.False(structAnswer.Ok);
        Assert.Contains("<not in dump>", structAnswer.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("comm = \"\"", structAnswer.Text, StringComparison.Ordinal);

        // The rest of the dump still answers.
        Assert.True(runner.Run("bt").Ok);
        Assert.True(runner.Run("ps").Ok);
    }

    [Theory]
    [InlineData("rd")]
    [InlineData("rd -3 init_task")]
    [InlineData("rd nosuchsymbol")]
    [InlineData("bt 99999")]
    [InlineData("bt -x")]
    [InlineData("struct nosuchtype init_task")]
    [InlineData("p nosuchvariable")]
    [InlineData("kmem")]
    [InlineData("frobnicate")]
    public void MalformedCommandsAreErrorsNotExceptions(string command)
    {
        using var session = KernelSession.Open(Fixtures.ElfVmcore(Fixture));
        var answer = new CommandRunner(session).Run(command);
        Assert.False(answer.Ok);
        Assert.StartsWith("error: ", answer.Text, StringComparison.Ordinal);
    }
}
