using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>The collector through the command line, and through the native binary invoked as "makedumpfile".</summary>
public class CollectorCommandTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    [Fact]
    public void UnsupportedMakedumpfileOptionIsAUsageErrorNamingIt()
    {
        var (code, _, error) = CliRunner.Run("collect", "--eppic", "x.c", "in", "out");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'--eppic' is not supported", error);
    }

    [Fact]
    public void XWithAVmlinuxWithoutBtfFailsNamingIt()
    {
        using var dir = new TempDirectory();
        var notVmlinux = dir.Write("vmlinux", File.ReadAllBytes("/bin/true"));
        var (code, _, error) = CliRunner.Run("collect", "-d", "31", "-x", notVmlinux, Fixtures.ElfVmcore(Fixture), dir.File("out"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("no .BTF section", error);

        var (helpCode, help, _) = CliRunner.Run("collect", "--help");
        Assert.Equal(0, helpCode);
        Assert.Contains("-x VMLINUX", help);
        Assert.Contains("--non-mmap", help);
    }

    [Fact]
    public void DumpDmesgTakesVmcoreinfoFromI()
    {
        using var dir = new TempDirectory();
        string text;
        using (var dump = Nkdump.Formats.DumpOpener.Open(Fixtures.ElfVmcore(Fixture)))
        {
            text = dump.VmcoreInfo!.Text;
        }

        // A VMCOREINFO whose log symbol is wrong: the -i file wins over the dump's (makedumpfile's order).
        var broken = dir.Write("broken", System.Text.Encoding.ASCII.GetBytes(string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("SYMBOL(prb)=", StringComparison.Ordinal))) + "\nSYMBOL(prb)=ffffffff80000000\n"));
        var good = dir.Write("good", System.Text.Encoding.ASCII.GetBytes(text));
        var (code, _, error) = CliRunner.Run("collect", "--dump-dmesg", "-i", good, Fixtures.ElfVmcore(Fixture), dir.File("with-i.txt"));
        Assert.True(code == 0, error);
        var (plainCode, _, plainError) = CliRunner.Run("collect", "--dump-dmesg", Fixtures.ElfVmcore(Fixture), dir.File("plain.txt"));
        Assert.True(plainCode == 0, plainError);
        Assert.Equal(File.ReadAllText(dir.File("plain.txt")), File.ReadAllText(dir.File("with-i.txt")));
        var (brokenCode, _, _) = CliRunner.Run("collect", "--dump-dmesg", "-i", broken, Fixtures.ElfVmcore(Fixture), dir.File("broken.txt"));
        Assert.NotEqual(0, brokenCode);
    }

    [Fact]
    public void CollectWritesADumpAndReportsProgress()
    {
        using var dir = new TempDirectory();
        var output = dir.File("vmcore");
        var (code, _, error) = CliRunner.Run("collect", "-z", "-d", "31", Fixtures.ElfVmcore(Fixture), output);
        Assert.True(code == 0, error);
        Assert.Contains("Copying data", error);
        Assert.Contains("[100.0 %]", error);
        Assert.Contains($"The dumpfile is saved to {output}.", error);

        var (infoCode, info, infoError) = CliRunner.Run("info", output);
        Assert.True(infoCode == 0, infoError);
        Assert.Contains("zstd", info);
    }

    [Fact]
    public void MessageLevelZeroIsQuiet()
    {
        using var dir = new TempDirectory();
        var (code, output, error) = CliRunner.Run("collect", "-l", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture), dir.File("vmcore"));
        Assert.Equal(0, code);
        Assert.Equal("", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void DumpDmesgWritesTheLogLikeMakedumpfile()
    {
        using var dir = new TempDirectory();
        var log = dir.File("dmesg.txt");
        var (code, _, error) = CliRunner.Run("collect", "--dump-dmesg", Fixtures.ElfVmcore(Fixture), log);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(Fixtures.Expected(Fixture, "dmesg.makedumpfile.txt")), File.ReadAllBytes(log));
    }

    [Fact]
    public void MemUsageCountsEveryPageOnce()
    {
        var (code, output, error) = CliRunner.Run("collect", "--mem-usage", Fixtures.ElfVmcore(Fixture));
        Assert.True(code == 0, error);
        var counts = output.Split('\n')
            .Where(l => l.Contains("\tyes\t") || l.Contains("\tno\t"))
            .Select(l => ulong.Parse(l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(6, counts.Count);
        var total = ulong.Parse(output.Split('\n').Single(l => l.StartsWith("Total pages on system:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(counts.Sum(c => (decimal)c) <= total);
        Assert.True(counts[^1] > 0, "kernel data pages");
    }

    [Fact]
    public void RearrangeFromStandardInputEqualsMakedumpfilesAndIsPrivate()
    {
        // makedumpfile -F's stream, rearranged by `collect -R` and by makedumpfile -R, under umask 022.
        Assert.True(File.Exists(RepoPaths.NativeBinary), $"{RepoPaths.NativeBinary} is missing: run ./build.sh first (./test.sh does)");
        using var dir = new TempDirectory();
        var stream = dir.File("flat");
        var ours = dir.File("ours");
        var theirs = dir.File("theirs");
        var script = "umask 022 && makedumpfile -F -l -d 31 --message-level 0 \"$1\" > \"$2\" && \"$3\" collect -R \"$4\" < \"$2\" && makedumpfile -R \"$5\" < \"$2\"";
        var result = ExternalTool.Run("sh", ["-c", script, "sh", Fixtures.ElfVmcore(Fixture), stream, RepoPaths.NativeBinary, ours, theirs]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.ReadAllBytes(ours).AsSpan().SequenceEqual(File.ReadAllBytes(theirs)), "collect -R differs from makedumpfile -R");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ours));

        // An existing file is kept unless -f is given.
        var again = ExternalTool.Run("sh", ["-c", "\"$1\" collect -R \"$2\" < \"$3\"", "sh", RepoPaths.NativeBinary, ours, stream]);
        Assert.NotEqual(0, again.ExitCode);
        Assert.True(File.ReadAllBytes(ours).AsSpan().SequenceEqual(File.ReadAllBytes(theirs)));
    }

    [Fact]
    public void MemUsageTakesVmcoreinfoFromI()
    {
        using var dir = new TempDirectory();
        string text;
        using (var dump = Nkdump.Formats.DumpOpener.Open(Fixtures.ElfVmcore(Fixture)))
        {
            text = dump.VmcoreInfo!.Text;
        }

        // -i wins over the dump's VMCOREINFO: a wrong buddy page type makes free pages unrecognisable.
        var lines = text.Split('\n');
        var buddy = Array.FindIndex(lines, l => l.StartsWith("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=", StringComparison.Ordinal));
        Assert.True(buddy >= 0, "the fixture's VMCOREINFO has no PAGE_BUDDY_MAPCOUNT_VALUE");
        lines[buddy] = "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=12345";
        var good = dir.Write("good", System.Text.Encoding.ASCII.GetBytes(text));
        var wrong = dir.Write("wrong", System.Text.Encoding.ASCII.GetBytes(string.Join('\n', lines)));
        var plain = CliRunner.Run("collect", "--mem-usage", Fixtures.ElfVmcore(Fixture));
        var withGood = CliRunner.Run("collect", "--mem-usage", "-i", good, Fixtures.ElfVmcore(Fixture));
        var withWrong = CliRunner.Run("collect", "--mem-usage", "-i", wrong, Fixtures.ElfVmcore(Fixture));
        Assert.True(plain.ExitCode == 0 && withGood.ExitCode == 0 && withWrong.ExitCode == 0, plain.Error + withGood.Error + withWrong.Error);
        Assert.Equal(plain.Out, withGood.Out);
        Assert.NotEqual(plain.Out, withWrong.Out);
    }

    [Fact]
    public void NativeBinaryRunsAsMakedumpfileWhenInvokedByThatName()
    {
        Assert.True(File.Exists(RepoPaths.NativeBinary), $"{RepoPaths.NativeBinary} is missing: run ./build.sh first (./test.sh does)");
        using var dir = new TempDirectory();
        var link = dir.File("makedumpfile");
        File.CreateSymbolicLink(link, RepoPaths.NativeBinary);
        var output = dir.File("vmcore");
        var result = ExternalTool.Run(link, ["-l", "--message-level", "7", "-d", "31", Fixtures.ElfVmcore(Fixture), output]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var reference = DerivedDumps.Makedumpfile(Fixture, "makedumpfile-l-d31", ["-l", "-d", "31"]);
        Assert.True(StoredPages.AssertSameAs(output, reference) > 10000);

        var usage = ExternalTool.Run(link, ["-X", Fixtures.ElfVmcore(Fixture), dir.File("x")]);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("'-X' is not supported", usage.StandardError);
    }
}
