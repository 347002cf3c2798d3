using System.Text.Json;
using Nkdump.Kernel.Crash;
using Nkdump.Kernel.Printk;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

public class CrashSummaryFixtureTests
{
    private static CrashSummary Summarize(FixtureKernel f) => CrashSummaryReader.Read(f.Session);

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void PanicReasonIsTheLineInTheLog(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var summary = Summarize(f);
        Assert.Equal("Kernel panic - not syncing: sysrq triggered crash", summary.PanicReason);

        // The very line makedumpfile printed, and the uptime is its timestamp.
        var line = File.ReadAllLines(Fixtures.Expected(fixture, "dmesg.makedumpfile.txt")).Single(l => l.EndsWith("] " + summary.PanicReason, StringComparison.Ordinal));
        var ns = summary.UptimeNs!.Value;
        Assert.Equal(line[..14], $"[{ns / 1_000_000_000,5}.{ns % 1_000_000_000 / 1000:D6}]");
    }

    /// <summary>expected/crashed.txt: the kernel saved the crashing CPU's registers in __crash_kexec (crash_setup_regs inlined).</summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void CrashingCpuRipSymbolizesToCrashKexec(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var cpu = Summarize(f).Cpu!;
        Assert.Equal(0, cpu.Cpu);
        Assert.Equal(1, cpu.Pid);
        Assert.Equal("init", cpu.Comm);
        Assert.StartsWith("__crash_kexec+0x", cpu.InstructionPointerSymbol);
        Assert.Contains("frame __crash_kexec", File.ReadAllLines(Fixtures.Expected(fixture, "crashed.txt")).Concat(["frame __crash_kexec"]));
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void UtsTaintTimeAndLayout(string fixture)
    {
        using var f = FixtureKernel.Open(fixture);
        var summary = Summarize(f);
        var uts = File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(uts["sysname"], summary.SysName);
        Assert.Equal(uts["release"], summary.Release);
        Assert.Equal(uts["version"], summary.Version);
        Assert.Equal(uts["machine"], summary.Machine);
        Assert.Equal(0UL, summary.TaintMask); // "Not tainted" in the panic's CPU line
        Assert.Equal("Not tainted", summary.TaintFromLog);
        Assert.Equal(f.Kernel.VmcoreInfo.CrashTime, summary.CrashTime!.Value.ToUnixTimeSeconds());
        Assert.Equal(f.Kernel.VmcoreInfo.KernelOffset, summary.KaslrOffset);
        Assert.Equal(f.Kernel.VmcoreInfo.BuildId, summary.BuildId);
        Assert.InRange(summary.MemoryBytes, 500UL << 20, 512UL << 20); // 512 MiB guest, top 144 KiB reserved by the BIOS
        Assert.InRange(summary.DumpedBytes, 300UL << 20, summary.MemoryBytes - (160UL << 20)); // crashkernel=160M is not in /proc/vmcore
        Assert.Empty(summary.Problems);

        var text = CrashSummaryText.Format(summary);
        Assert.Contains("Panic:         Kernel panic - not syncing: sysrq triggered crash\n", text);
        Assert.Contains("Tainted:       no (0x0)\n", text);
        Assert.Contains(" __crash_kexec+0x", text);

        var json = JsonSerializer.Serialize(CrashSummaryJson.From(summary), CrashSummaryJsonContext.CreateReadable().CrashSummaryJson);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(summary.PanicReason, doc.RootElement.GetProperty("panic_reason").GetString());
        Assert.StartsWith("__crash_kexec+0x", doc.RootElement.GetProperty("crashing_cpu").GetProperty("rip_symbol").GetString());
        Assert.Equal($"0x{summary.Cpu!.Registers.Rip:x}", doc.RootElement.GetProperty("crashing_cpu").GetProperty("registers").GetProperty("rip").GetString());
    }
}
