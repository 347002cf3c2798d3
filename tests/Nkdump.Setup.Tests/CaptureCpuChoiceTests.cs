using Nkdump.Config;
using Nkdump.Setup.Estimate;
using Nkdump.Setup.Kexec;

namespace Nkdump.Setup.Tests;

/// <summary>capture_cpus N and auto (issue 18): nr_cpus= of the capture kernel and what it costs in crashkernel=.</summary>
public class CaptureCpuChoiceTests
{
    private const ulong MiB = 1UL << 20;

    [Theory]
    [InlineData("0-3,6", 5)]
    [InlineData("0", 1)]
    [InlineData("0-1\n", 2)]
    [InlineData("0-63,128-191", 128)]
    public void CountsTheCpusOfAList(string list, int count) => Assert.Equal(count, CpuList.Count(list));

    [Theory]
    [InlineData("")]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("0-")]
    [InlineData("0--2")]
    [InlineData("-1")]
    [InlineData("0-2147483647,0-2147483647")]
    public void ACpuListThatIsNotOneIsUnknown(string list) => Assert.Null(CpuList.Count(list));

    [Fact]
    public void AnExplicitCountIsTaken()
    {
        Assert.Equal(1, CaptureCpuChoice.For(KdumpConfigParser.Parse(""), 0, 0, null).Count);
        var two = CaptureCpuChoice.For(KdumpConfigParser.Parse("capture_cpus 2\n"), 0, 0, 1);
        Assert.Equal((2, "capture_cpus"), (two.Count, two.Reason));
    }

    [Theory]
    [InlineData(256, 150, 16, 11)]  // 106 MiB of room: 8 + 9 × 10 = 98 fits, 107 does not
    [InlineData(256, 150, 2, 2)]   // no more than the machine has
    [InlineData(167, 150, 8, 2)]   // 17 MiB: exactly one more
    [InlineData(166, 150, 8, 1)]   // one MiB short of it
    [InlineData(128, 150, 8, 1)]   // below the estimate: still one
    [InlineData(4096, 100, 64, KdumpConfig.MaxCaptureCpus)]
    public void AutoFitsTheReservationAndTheMachine(ulong reservedMiB, ulong needMiB, int online, int expected)
    {
        Assert.Equal((8 * MiB, 9 * MiB), (CrashkernelEstimator.ThreadedCollectorNeed, CrashkernelEstimator.ExtraCpuNeed)); // the arithmetic of the cases above
        var choice = CaptureCpuChoice.For(KdumpConfigParser.Parse("capture_cpus auto\n"), reservedMiB * MiB, needMiB * MiB, online);
        Assert.Equal(expected, choice.Count);
        Assert.StartsWith("capture_cpus auto: ", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoWithAnUnknownCpuCountTakesOne()
    {
        Assert.Equal(1, CaptureCpuChoice.For(KdumpConfigParser.Parse("capture_cpus auto\n"), 1024 * MiB, 100 * MiB, null).Count);
    }

    [Fact]
    public void AutoIsAConfigValueShownAsSuch()
    {
        var config = KdumpConfigParser.Parse("capture_cpus auto\n");
        Assert.True(config.CaptureCpusAuto);
        Assert.Equal(1, config.CaptureCpus);
        Assert.Contains("capture_cpus auto", config.EffectiveLines());
        Assert.False(KdumpConfigParser.Parse("capture_cpus 3\n").CaptureCpusAuto);
    }

    [Theory]
    [InlineData("2G-64G:256M,64G-:512M", 1, "2G-64G:256M,64G-:512M")]
    [InlineData("2G-64G:256M,64G-:512M", 2, "2G-64G:273M,64G-:529M")]
    [InlineData("1G-2G:0,2G-:256M", 3, "1G-2G:0,2G-:282M")]
    [InlineData("128M@16M", 2, "145M@16M")]
    [InlineData("512M,high 128M,low", 2, "529M,high 128M,low")]
    public void CrashkernelGrowsByTheExtraCpus(string expression, int cpus, string grown) =>
        Assert.Equal(grown, CrashkernelForCpus.Grow(expression, cpus));

    [Fact]
    public void EstimateCountsTheExtraCpus()
    {
        var one = CrashkernelEstimator.Estimate(40 * MiB, 5 * MiB, 3 * MiB, 4096 * MiB);
        var three = CrashkernelEstimator.Estimate(40 * MiB, 5 * MiB, 3 * MiB, 4096 * MiB, captureCpus: 3);
        Assert.Equal(one.Estimated + (26 * MiB), three.Estimated);
        Assert.Contains(three.Parts, p => p.Name == "2 extra capture CPU(s)");
        Assert.DoesNotContain(one.Parts, p => p.Name.Contains("CPU", StringComparison.Ordinal));
    }
}
