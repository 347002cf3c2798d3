using Nkdump.Kernel.Printk;

namespace Nkdump.Capture.Tests;

/// <summary>What the capture writes as vmcore-dmesg.txt, and what it says when it cannot, for each state of the log.</summary>
public sealed class DumpFactsTests
{
    private static readonly PrintkRecord Record = new() { Sequence = 7, TimestampNs = 1_500_000_000, Level = 0, Facility = 0, Text = "Kernel panic - not syncing: sysrq triggered crash"u8.ToArray() };

    [Fact]
    public void NoLogAtAllGivesNoTextAndTheReaderReason()
    {
        var (dmesg, problem) = DumpFacts.LogText(null, "VMCOREINFO has neither SYMBOL(prb) (5.10+) nor SYMBOL(log_buf) (3.5-5.9): cannot find the kernel log");
        Assert.Null(dmesg);
        Assert.StartsWith("VMCOREINFO has neither SYMBOL(prb)", problem);
    }

    [Fact]
    public void LogWithoutOneReadableRecordIsNoLog()
    {
        var log = new KernelLog(KernelLogFormat.LocklessRingBuffer, [], ["part of prb.desc_ring.descs is unreadable: virtual address 0xdead000000000000: not a canonical address", "396 record(s) could not be read"]);
        var (dmesg, problem) = DumpFacts.LogText(log, null);
        Assert.Null(dmesg);
        Assert.Equal("no record of the log could be read: part of prb.desc_ring.descs is unreadable: virtual address 0xdead000000000000: not a canonical address; 396 record(s) could not be read", problem);
    }

    [Fact]
    public void PartialLogKeepsItsRecordsAndSaysWhatIsMissing()
    {
        var log = new KernelLog(KernelLogFormat.LocklessRingBuffer, [Record], ["3 record(s) could not be read"]);
        var (dmesg, problem) = DumpFacts.LogText(log, null);
        Assert.Equal("[    1.500000] Kernel panic - not syncing: sysrq triggered crash\n", dmesg);
        Assert.Equal("3 record(s) could not be read", problem);
    }

    [Fact]
    public void CompleteLogHasNoProblem()
    {
        var (dmesg, problem) = DumpFacts.LogText(new KernelLog(KernelLogFormat.LocklessRingBuffer, [Record], []), null);
        Assert.Equal("[    1.500000] Kernel panic - not syncing: sysrq triggered crash\n", dmesg);
        Assert.Null(problem);
    }

    [Fact]
    public void EmptyLogWithoutProblemsIsAnEmptyText()
    {
        // Nothing says anything was lost: an empty file is the truth.
        var (dmesg, problem) = DumpFacts.LogText(new KernelLog(KernelLogFormat.LocklessRingBuffer, [], []), null);
        Assert.Equal("", dmesg);
        Assert.Null(problem);
    }
}
