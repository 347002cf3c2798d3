using System.Text.Json;
using Nkdump.Testing;

namespace Nkdump.Cli.Tests;

/// <summary>
/// `info`, `triage` and `analyze -c sys` name the same crashing CPU and task on every form of every
/// fixture (one function decides it: the kernel session's CrashingCpuFinder), and it is the one
/// fixtures/README.md records: sysrq c from PID 1 (init) on CPU 0.
/// </summary>
public class PanicAgreementTests
{
    [Theory]
    [MemberData(nameof(FixtureVariants.All), MemberType = typeof(FixtureVariants))]
    public void InfoTriageAndSysNameTheSameCpuAndTask(string fixture, string variant)
    {
        var dump = FixtureVariants.FileOf(fixture, variant);

        var (code, output, error) = CliRunner.Run("info", dump, "--json");
        Assert.True(code == 0, error);
        using var info = JsonDocument.Parse(output);
        var crashing = info.RootElement.GetProperty("crash_summary").GetProperty("crashing_cpu");
        var fromInfo = (crashing.GetProperty("cpu").GetInt32(), crashing.GetProperty("pid").GetInt32(), crashing.GetProperty("comm").GetString());

        (code, output, error) = CliRunner.Run("triage", dump, "--json");
        Assert.True(code == 0, error + output);
        using var triage = JsonDocument.Parse(output);
        var fromTriage = (triage.RootElement.GetProperty("panic_cpu").GetInt32(), triage.RootElement.GetProperty("pid").GetInt32(), triage.RootElement.GetProperty("comm").GetString());

        (code, output, error) = CliRunner.Run("analyze", dump, "--json", "-c", "sys");
        Assert.True(code == 0, error + output);
        using var analyze = JsonDocument.Parse(output);
        var sys = analyze.RootElement[0].GetProperty("result");
        var fromSys = (sys.GetProperty("panic_cpu").GetInt32(), sys.GetProperty("panic_pid").GetInt32(), sys.GetProperty("panic_comm").GetString());

        Assert.Equal((0, 1, "init"), fromInfo);
        Assert.Equal(fromInfo, fromTriage);
        Assert.Equal(fromInfo, fromSys);
    }
}
