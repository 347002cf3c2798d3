using System.Text;
using Nkdump.Kernel.Crash;
using Nkdump.Kernel.Printk;

namespace Nkdump.Kernel.Tests;

public class CrashSummaryTests
{
    private static PrintkRecord R(double seconds, string text) =>
        new() { TimestampNs = (ulong)(seconds * 1e9), Level = 0, Facility = 0, Text = Encoding.ASCII.GetBytes(text) };

    [Fact]
    public void OopsBeforeFatalExceptionPanicIsTheReason()
    {
        var log = new[]
        {
            R(1.0, "WARNING: CPU: 1 PID: 20 at drivers/foo.c:10 foo_probe+0x10/0x20"), // an earlier, unrelated warning
            R(50.0, "BUG: kernel NULL pointer dereference, address: 0000000000000008"),
            R(50.0, "#PF: supervisor read access in kernel mode"),
            R(50.0, "Oops: 0000 [#1] PREEMPT SMP NOPTI"),
            R(50.1, "---[ end trace 0000000000000000 ]---"),
            R(50.1, "Kernel panic - not syncing: Fatal exception"),
        };
        Assert.Equal("BUG: kernel NULL pointer dereference, address: 0000000000000008", PanicReason.FirstLine(PanicReason.Find(log)!));
    }

    [Fact]
    public void WarningCountsOnlyWithPanicOnWarn()
    {
        var plain = new[] { R(10, "WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x1/0x2"), R(11, "Kernel panic - not syncing: sysrq triggered crash") };
        Assert.StartsWith("Kernel panic", PanicReason.FirstLine(PanicReason.Find(plain)!));
        var onWarn = new[] { R(10, "WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x1/0x2"), R(10, "Kernel panic - not syncing: kernel: panic_on_warn set ...") };
        Assert.StartsWith("WARNING: CPU: 0", PanicReason.FirstLine(PanicReason.Find(onWarn)!));
    }

    [Fact]
    public void OopsWithoutPanicLineIsTheReason()
    {
        var log = new[] { R(1, "hello"), R(2, "general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP"), R(2, "RIP: 0010:foo+0x1/0x2") };
        Assert.StartsWith("general protection fault", PanicReason.FirstLine(PanicReason.Find(log)!));
        Assert.Null(PanicReason.Find([R(1, "nothing happened")]));
    }

    [Fact]
    public void PanicLongAfterAnOldOopsIsItsOwnReason()
    {
        var log = new[] { R(1, "Oops: 0000 [#1] SMP"), R(100, "Kernel panic - not syncing: hung_task: blocked tasks") };
        Assert.StartsWith("Kernel panic", PanicReason.FirstLine(PanicReason.Find(log)!));
    }

    /// <summary>The hung-task and OOM panics as Debian's 6.1 and 7.3 kernels printed them in the e2e suite's crashes.</summary>
    [Fact]
    public void HungTaskAndOomPanicsNameWhatLedToThem()
    {
        var hung = new[]
        {
            R(10, "nkcrash: loaded"),
            R(33.040948, "INFO: task sh:113 blocked for more than 2 seconds."),
            R(33.041, "      Tainted: G            E      6.1.0-50-amd64 #1 Debian 6.1.176-1"),
            R(33.066287, "Kernel panic - not syncing: hung_task: blocked tasks"),
        };
        Assert.StartsWith("Kernel panic", PanicReason.FirstLine(PanicReason.Find(hung)!));
        Assert.Equal("INFO: task sh:113 blocked for more than 2 seconds.", PanicReason.FirstLine(PanicReason.FindCause(hung)!));

        var oom = new[]
        {
            R(30.630783, "tail invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP), order=0, oom_score_adj=0"),
            R(30.631, "CPU: 0 UID: 0 PID: 122 Comm: tail Tainted: G           OE       7.3.4+deb13-amd64 #1 PREEMPT(lazy)  Debian 7.3.4-1~bpo13+1"),
            R(30.641701, "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled"),
        };
        Assert.StartsWith("tail invoked oom-killer:", PanicReason.FirstLine(PanicReason.FindCause(oom)!));
        Assert.Equal("Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled", PanicReason.FirstLine(PanicReason.FindPanicLine(oom)!));

        // A sysrq panic has no such report; a hung-task report long before the panic is another story.
        Assert.Null(PanicReason.FindCause([R(1, "sysrq: Trigger a crash"), R(1, "Kernel panic - not syncing: sysrq triggered crash")]));
        Assert.Null(PanicReason.FindCause([R(1, "INFO: task sh:1 blocked for more than 2 seconds."), R(100, "Kernel panic - not syncing: sysrq triggered crash")]));
        Assert.Null(PanicReason.FindCause([R(1, "INFO: task sh:1 blocked for more than 2 seconds.")]));
    }

    [Fact]
    public void TaintLettersFollowTheKernelsTable()
    {
        Assert.Equal("", TaintFlags.Builtin.Letters(0));
        Assert.Equal("POE", TaintFlags.Builtin.Letters((1 << 0) | (1 << 12) | (1 << 13)));
        Assert.Equal("DW", TaintFlags.Builtin.Letters((1 << 7) | (1 << 9)));
        Assert.Contains("W: kernel issued warning", TaintFlags.Builtin.Meanings(1 << 9));
        Assert.Equal("[40]", TaintFlags.Builtin.Letters(1UL << 40));
    }
}
