using Nkdump.Config.Collect;
using Nkdump.Formats.Codecs;

namespace Nkdump.Config.Tests;

public class CollectArgumentsTests
{
    [Fact]
    public void ParsesKdumpUtilsDefaultCoreCollector()
    {
        var a = CollectArguments.Parse(["-l", "--message-level", "7", "-d", "31", "/proc/vmcore", "/sysroot/var/crash/vmcore-incomplete"]);
        Assert.Equal(CollectMode.Collect, a.Mode);
        Assert.Equal(PageCompression.Lzo, a.Compression);
        Assert.Equal(31, a.DumpLevel);
        Assert.Equal(7, a.MessageLevel);
        Assert.Equal(["/proc/vmcore", "/sysroot/var/crash/vmcore-incomplete"], a.Files);
    }

    [Fact]
    public void ParsesGetoptClustersAndAttachedValues()
    {
        var a = CollectArguments.Parse(["-cd31", "-F", "--num-threads=2", "/proc/vmcore"]);
        Assert.Equal(PageCompression.Zlib, a.Compression);
        Assert.Equal(31, a.DumpLevel);
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

    [Theory]
    [InlineData("-l --message-level 7 -d 31")]
    [InlineData("-F -l -d 31")]
    [InlineData("-lF -d31 --num-threads=2")]
    [InlineData("-E -d 1 -f")]
    [InlineData("-c -d 17 --non-mmap --cyclic-buffer 1024 -i /etc/vmcoreinfo")]
    public void CoreCollectorOptionsAndTheCommandLineGiveTheSameRequest(string words)
    {
        var options = words.Split(' ');
        var fromConfig = CoreCollector.Parse("makedumpfile " + words, 3).Options!;
        var fromNkdumpCollect = CoreCollector.Parse("/usr/bin/nkdump collect " + words, 3).Options!;
        Assert.Equal(fromConfig, fromNkdumpCollect);

        // A file target: the dump file is added and -F dropped; a stream target: -F, no dump file.
        var toFile = CollectArguments.Parse([.. options.Where(o => o != "-F").Select(o => o.Replace("F", "", StringComparison.Ordinal)), "/proc/vmcore", "/var/crash/vmcore-incomplete"]);
        var toStream = CollectArguments.Parse([.. options, "-F", "/proc/vmcore"]);
        // The capture alone writes the most important pages first (a full disk keeps what matters).
        Assert.Equal(toFile with { ImportantFirst = true }, fromConfig.ForCapture("/proc/vmcore", "/var/crash/vmcore-incomplete"));
        Assert.Equal(toStream with { ImportantFirst = true }, fromConfig.ForCapture("/proc/vmcore", null));
        Assert.False(fromConfig.ForCapture("/proc/vmcore", "out").Flatten);
        Assert.True(fromConfig.ForCapture("/proc/vmcore", null).Flatten);
        Assert.Equal(["/proc/vmcore"], fromConfig.ForCapture("/proc/vmcore", null).Files);
    }

    [Theory]
    [InlineData("'-X' is not supported", "-l", "-X")]
    [InlineData("unknown option '--dump-level'", "--dump-level", "31")]
    [InlineData("give options only", "-l", "-d", "31", "/proc/vmcore")]
    [InlineData("--split does not collect a dump", "--split", "-d", "31")]
    [InlineData("--dump-dmesg does not collect a dump", "--dump-dmesg")]
    [InlineData("-R does not collect a dump", "-R")]
    [InlineData("-E writes an ELF dump", "-E", "-l")]
    [InlineData("-i and -x", "-i", "a", "-x", "b")]
    [InlineData("invalid value '99' for -d (expected a dump level, 0 to 31)", "-d", "99")]
    public void CoreCollectorOptionsTheCaptureCannotRunAreRefusedByName(string message, params string[] words)
    {
        var e = Assert.Throws<CollectUsageException>(() => CollectArguments.ParseOptions(words));
        Assert.Contains(message, e.Message);
        Assert.IsAssignableFrom<Formats.NkdumpException>(e);
    }

    [Fact]
    public void OtherCollectorsHaveNoOptions()
    {
        var cp = CoreCollector.Parse("cp --sparse=always", 1);
        Assert.Null(cp.Options);
        Assert.False(cp.IsMakedumpfile);
        Assert.Null(CoreCollector.Parse("/usr/bin/nkdump info", 1).Options);
        Assert.Equal(5, CoreCollector.Parse("makedumpfile -l", 1).WithDumpLevel(5).Options!.DumpLevel);
    }
}
