using Nkdump.Config.Crashkernel;

namespace Nkdump.Config.Tests;

public class CrashkernelTests
{
    private const ulong M = 1UL << 20;
    private const ulong G = 1UL << 30;

    public static TheoryData<string, string, ulong> Table => new()
    {
        // The x86_64 default of kdump-utils.
        { "2G-64G:256M,64G-:512M", "1G", 0 },
        { "2G-64G:256M,64G-:512M", "2G", 256 * M },
        { "2G-64G:256M,64G-:512M", "8G", 256 * M },
        { "2G-64G:256M,64G-:512M", "64G", 512 * M },
        { "2G-64G:256M,64G-:512M", "1T", 512 * M },
        // RAM is rounded up to 128M first: 1.95G counts as 2G.
        { "2G-64G:256M,64G-:512M", "1996M", 256 * M },
        { "2G-64G:256M,64G-:512M", "1920M", 0 },
        // The end of a range is exclusive.
        { "512M-2G:64M,2G-:128M", "2G", 128 * M },
        { "512M-2G:64M,2G-:128M", "2047M", 128 * M },
        { "512M-2G:64M,2G-:128M", "1920M", 64 * M },
        { "crashkernel=512M-2G:64M,2G-:128M@16M", "4G", 128 * M },
        { "0-:256M", "8G", 256 * M },
        { "256M", "8G", 256 * M },
        { "256m", "8G", 256 * M },
        { "0x10000000", "8G", 256 * M },
        { "01000M", "8G", 512 * M },
        { "131072K", "8G", 128 * M },
        { "64M@16M", "8G", 64 * M },
        { "crashkernel=256M", "8G", 256 * M },
        { "8G", "8G", 0 },
        { "9G", "8G", 0 },
        { "0", "8G", 0 },
        // ,high gets 256M below 4G unless ,low says otherwise; a plain one overrides both.
        { "512M,high", "16G", 768 * M },
        { "crashkernel=512M,high crashkernel=128M,low", "16G", 640 * M },
        { "crashkernel=512M,high crashkernel=0,low", "16G", 512 * M },
        { "crashkernel=128M,low", "16G", 0 },
        { "crashkernel=512M,high crashkernel=256M", "16G", 256 * M },
        { "crashkernel=128M crashkernel=256M", "16G", 256 * M },
        { "crashkernel=0,high", "16G", 0 },
        { "auto", "8G", 0 },
        // A range whose size is not below the rounded RAM makes the kernel reject the expression.
        { "0-:4G", "2G", 0 },
        { "1G-:512M", "512M", 0 },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void ReservationFollowsTheKernel(string expression, string ram, ulong expected)
    {
        var reservation = CrashkernelReservation.Evaluate(CrashkernelParser.ParseAll(expression), MemorySize.Parse(ram));
        Assert.Equal(expected, reservation.Total);
        if (expected == 0)
        {
            Assert.NotNull(reservation.Note);
        }
    }

    [Fact]
    public void OffsetIsKept()
    {
        var r = CrashkernelReservation.Evaluate(CrashkernelParser.ParseAll("512M-2G:64M,2G-:128M@16M"), 4 * G);
        Assert.Equal(16 * M, r.Offset);
        Assert.Equal(64 * M, CrashkernelReservation.Evaluate(CrashkernelParser.ParseAll("64M@0x1000000"), 4 * G).Size);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("crashkernel=", 13)]
    [InlineData("abc", 1)]
    [InlineData("256X", 4)]
    [InlineData("256M@", 6)]
    [InlineData("256M@x", 6)]
    [InlineData("256M,middle", 6)]
    [InlineData("256M,", 6)]
    [InlineData("2G-64G256M", 3)]
    [InlineData("2G:256M", 3)]
    [InlineData("2G-1G:256M", 4)]
    [InlineData("2G-2G:256M", 4)]
    [InlineData("2G-64G:", 8)]
    [InlineData("2G-64G:256M,", 13)]
    [InlineData("2G-64G:256M,64G-:512M,x", 23)]
    [InlineData("2G-64G:256M;64G-:512M", 12)]
    [InlineData("2G-64G:256M@", 13)]
    [InlineData("2G-64G:256M@16M,1", 16)]
    [InlineData("99999999999999999999", 1)]
    [InlineData("99999999999E", 1)]
    [InlineData("crashkernel=256M crashkernel=1Q", 31)]
    public void MalformedExpressionsGiveThePosition(string expression, int position)
    {
        var e = Assert.Throws<CrashkernelSyntaxException>(() => CrashkernelParser.ParseAll(expression));
        Assert.Equal(position, e.Position + 1);
        Assert.Contains($"position {position}", e.Message);
        Assert.IsAssignableFrom<ConfigException>(e);
    }

    [Theory]
    [InlineData("8G", 8UL << 30)]
    [InlineData("512M", 512UL << 20)]
    [InlineData("1k", 1024UL)]
    [InlineData("100", 100UL)]
    [InlineData("0x1000", 4096UL)]
    [InlineData("010", 8UL)]
    [InlineData("1E", 1UL << 60)]
    public void SizesParseLikeMemparse(string text, ulong value) => Assert.Equal(value, MemorySize.Parse(text));

    [Theory]
    [InlineData(256UL << 20, "256M")]
    [InlineData(2UL << 30, "2G")]
    [InlineData(1536UL << 10, "1536K")]
    [InlineData(100UL, "100")]
    [InlineData(0UL, "0")]
    public void SizesFormatInTheLargestExactUnit(ulong bytes, string text) => Assert.Equal(text, MemorySize.Format(bytes));

    [Theory]
    [InlineData(256UL << 20, "256M")]
    [InlineData(25165435UL << 10, "24.0G")]
    [InlineData(1000UL, "1000")]
    public void HumanSizesRound(ulong bytes, string text) => Assert.Equal(text, MemorySize.Human(bytes));

    [Fact]
    public void FormsAreRecognised()
    {
        Assert.Equal(CrashkernelForm.Auto, CrashkernelParser.Parse("auto").Form);
        Assert.Equal(CrashkernelForm.Cma, CrashkernelParser.Parse("1G,cma").Form);
        var ranges = CrashkernelParser.Parse("1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M");
        Assert.Equal(CrashkernelForm.Ranges, ranges.Form);
        Assert.Equal(4, ranges.Ranges.Count);
        Assert.Null(ranges.Ranges[3].End);
        Assert.Equal(1UL << 40, ranges.Ranges[3].Start);
    }
}
