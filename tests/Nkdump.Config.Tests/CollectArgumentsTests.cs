using Nkdump.Collector.Cli;
using Nkdump.Formats.Codecs;

namespace Nkdump.Collector.Tests;

public class CollectArgumentsTests
{
    [Fact]
    public void ParsesKdumpUtilsDefaultCoreCollector()
    {
        var a = CollectArguments.Parse(["-l", "--message-level", "7", "-d", "31", "/proc/vmcore", "/sysroot/var/crash/vmcore-incomplete"]);
        Assert.Equal(CollectMode.Collect, a.Mode);
        Assert.Equal(PageCompression.Lzo, a.Compression);
        Assert.Equal(DumpLevel.All, a.DumpLevel);
        Assert.Equal(7, a.MessageLevel);
        Assert.Equal(["/proc/vmcore", "/sysroot/var/crash/vmcore-incomplete"], a.Files);
    }

    [Fact]
    public void ParsesGetoptClustersAndAttachedValues()
    {
        var a = CollectArguments.Parse(["-cd31", "-F", "--num-threads=2", "/proc/vmcore"]);
        Assert.Equal(PageCompression.Zlib, a.Compression);
        Assert.Equal(DumpLevel.All, a.DumpLevel);
        Assert.True(a.Flatten);
        Assert.Equal(2, a.Threads);
    }

    [Theory]
    [InlineData(CollectMode.Split, "--split", "-d", "31", "vmcore", "d1", "d2")]
    [InlineData(CollectMode.Reassemble, "--reassemble", "d1", "d2", "out")]
    [InlineData(CollectMode.Rearrange, "-R", "out")]
    [InlineData(CollectMode.DumpDmesg, "--dump-dmesg", "vmcore", "log")]
    [InlineData(CollectMode.MemUsage, "--mem-usage", "vmcore")]
    public void RecognizesModes(CollectMode mode, params string[] args) => Assert.Equal(mode, CollectArguments.Parse(args).Mode);

    [Theory]
    [InlineData("unknown option '--bogus'", "--bogus", "a", "b")]
    [InlineData("'-X' is not supported", "-X", "a", "b")]
    [InlineData("'--eppic' is not supported", "--eppic", "x", "a", "b")]
    [InlineData("invalid value '32' for -d", "-d", "32", "a", "b")]
    [InlineData("expected VMCORE DUMPFILE", "-d", "31", "a")]
    [InlineData("-F", "-F", "a", "b")]
    [InlineData("cannot be combined", "--split", "--dump-dmesg", "a", "b", "c")]
    [InlineData("-E writes an ELF dump", "-E", "-c", "a", "b")]
    public void RefusesWhatItCannotDoByName(string message, params string[] args)
    {
        var e = Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(args));
        Assert.Contains(message, e.Message);
    }
}
