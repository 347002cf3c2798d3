namespace Nkdump.Capture.Tests;

/// <summary>The capture log's memory lines (issue 18: capture_cpus auto is sized from them).</summary>
public sealed class CaptureMemoryTests : IDisposable
{
    private readonly CaptureTestRoot _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void DescribesAvailableAndTotalFromMeminfo()
    {
        _t.Write("/proc/meminfo", "MemTotal:         120832 kB\nMemFree:           70000 kB\nMemAvailable:      62976 kB\n");

        Assert.Equal("memory: 61.5 MiB available of 118.0 MiB", CaptureMemory.Describe(_t.Root));
    }

    [Fact]
    public void DescribesThePeakFromStatus()
    {
        _t.Write("/proc/meminfo", "MemTotal: 120832 kB\nMemAvailable: 49152 kB\n");
        _t.Write("/proc/self/status", "Name:\tnkdump\nVmPeak:\t  300000 kB\nVmHWM:\t   12697 kB\nVmRSS:\t   11000 kB\n");

        Assert.Equal("peak memory of nkdump: 12.4 MiB (VmHWM); 48.0 MiB available now", CaptureMemory.DescribePeak(_t.Root));
    }

    [Theory]
    [InlineData("")]
    [InlineData("MemTotal: 100 kB\n")]
    [InlineData("MemTotal: lots kB\nMemAvailable: 10 kB\n")]
    [InlineData("MemTotal: -5 kB\nMemAvailable: 10 kB\n")]
    public void SaysNothingWhenMeminfoLacksANumber(string meminfo)
    {
        _t.Write("/proc/meminfo", meminfo);

        Assert.Null(CaptureMemory.Describe(_t.Root));
    }

    [Fact]
    public void SaysNothingWithoutProc()
    {
        Assert.Null(CaptureMemory.Describe(_t.Root));
        Assert.Null(CaptureMemory.DescribePeak(_t.Root));
    }

    [Fact]
    public void TheSaveLogHasTheMemoryAndTheTimeTheTargetTook()
    {
        _t.Write("/proc/meminfo", "MemTotal: 120832 kB\nMemAvailable: 62976 kB\n");
        _t.Write("/proc/self/status", "VmHWM:\t   12697 kB\n");
        _t.Config("path /var/crash\nfinal_action poweroff\n");

        _t.Save();

        var log = _t.ToString();
        Assert.Contains("nkdump: memory: 61.5 MiB available of 118.0 MiB\n", log, StringComparison.Ordinal);
        Assert.Matches(@"nkdump: the target took \d+\.\d\d s\n", log);
        Assert.Contains("nkdump: peak memory of nkdump: 12.4 MiB (VmHWM); 61.5 MiB available now\n", log, StringComparison.Ordinal);
    }
}
