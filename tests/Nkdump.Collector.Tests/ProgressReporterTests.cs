using Nkdump.Collector.Pipeline;

namespace Nkdump.Collector.Tests;

public class ProgressReporterTests
{
    [Fact]
    public void PrintsPercentAndEtaAtMostOncePerSecond()
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        var progress = new ProgressReporter(output, 7, () => now);
        progress.Report("Copying data", 0, 1000);
        now = TimeSpan.FromMilliseconds(500);
        progress.Report("Copying data", 100, 1000);   // too soon: not drawn
        now = TimeSpan.FromSeconds(2);
        progress.Report("Copying data", 452, 1000);
        now = TimeSpan.FromSeconds(4);
        progress.Report("Copying data", 1000, 1000);
        var text = output.ToString();
        Assert.DoesNotContain("10.0 %", text);
        Assert.Contains("Copying data                       : [ 45.2 %]", text);
        Assert.Contains("eta: 3s", text);
        Assert.EndsWith("[100.0 %] /                  \n", text.Replace("|", "/").Replace("\\", "/").Replace("-", "/"));
    }

    [Fact]
    public void MessageLevelWithoutProgressBitIsSilent()
    {
        var output = new StringWriter();
        var progress = new ProgressReporter(output, 0);
        progress.Report("Copying data", 5, 10);
        progress.Report("Copying data", 10, 10);
        Assert.Equal("", output.ToString());
    }
}
