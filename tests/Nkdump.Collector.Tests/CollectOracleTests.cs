using System.Globalization;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// The collector end to end on the real fixtures, checked by the real tools:
/// <list type="bullet">
/// <item>our reader and libkdumpfile 0.5.1 read back, for every compression and at -d 31 and -d 1,
/// exactly the pages of the ELF vmcore that upstream makedumpfile keeps (same PFN set, same bytes);</item>
/// <item>crash 8.0.2 --osrelease opens each output;</item>
/// <item>on the 6.1 fixture our -l files at -d 31 and -d 1 store every page with Debian makedumpfile
/// 1.7.2's bytes, in a smaller file (pages repeating an earlier one are stored once; zlib pages: see
/// Formats' ZlibEngineTests; on 6.12, 1.7.2 drops slab pages at -d 8, so it is no oracle there);</item>
/// <item>makedumpfile 1.7.2 -R turns our -F stream into our normal file; --split parts read as one.</item>
/// </list>
/// </summary>
public class CollectOracleTests
{
    private const string Fixture61 = "debian-6.1.0-56-amd64";

    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var fixture in Fixtures.Names)
        {
            foreach (var compression in new[] { "-c", "-l", "-p", "-z", "" })
            {
                data.Add(fixture, compression, 31);
            }

            data.Add(fixture, "-z", 1);
            data.Add(fixture, "-l", 1);
            data.Add(fixture, "-c", 1);
        }

        return data;
    }

    private static string Run(TempDirectory dir, string name, string fixture, params string[] options)
    {
        var output = dir.File(name);
        var arguments = CollectArguments.Parse([.. options.Where(a => a.Length > 0), "--message-level", "0", Fixtures.ElfVmcore(fixture), output]);
        new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run();
        return output;
    }

    private static List<ulong> UpstreamPfns(string fixture, int level) =>
        File.ReadAllLines(Fixtures.Expected(fixture, $"makedumpfile-upstream/pfns.d{level}.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('-'))
            .SelectMany(p =>
            {
                var first = ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var last = ulong.Parse(p[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                return Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + (ulong)i);
            })
            .ToList();

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputHoldsUpstreamsPagesWithTheVmcoresBytes(string fixture, string compression, int level)
    {
        using var dir = new TempDirectory();
        var output = Run(dir, "dump", fixture, compression, "-d", level.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));

        var expectedPfns = UpstreamPfns(fixture, level);
        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var expected = PageHashes.Ours(elf.Memory, expectedPfns);

        using (var ours = DumpOpener.Open(output))
        {
            Assert.Equal(DumpFormat.KdumpCompressed, ours.Format);
            var dumped = Enumerable.Range(0, (int)ours.Memory.MaxPfn).Select(p => (ulong)p)
                .Where(p => ours.Memory.GetPageState(p) is PageState.Present or PageState.Zero).ToList();
            Assert.Equal(expectedPfns, dumped);
            Assert.Equal(expected, PageHashes.Ours(ours.Memory, dumped));
            Assert.Equal(level, ((KdumpDump)ours).Header.DumpLevel);
        }

        Assert.Equal(expected, PageHashes.Libkdumpfile(output, elf.Memory.MaxPfn));
        var crash = ExternalTool.Run("crash", ["--osrelease", output]);
        Assert.True(crash.ExitCode == 0, crash.ToString());
        Assert.Equal(elf.VmcoreInfo!.OsRelease, crash.StandardOutput.Trim());
    }

    [Theory]
    [InlineData(31)]
    [InlineData(1)]
    public void LzoPagesAreStoredAsDebianMakedumpfileStoresThemOn61(int level)
    {
        // Page for page the same stored bytes (its header, bitmaps and page data layout aside): the
        // file is smaller only by the pages stored once for all their copies.
        using var dir = new TempDirectory();
        var d = level.ToString(CultureInfo.InvariantCulture);
        var ours = Run(dir, "ours", Fixture61, "-l", "-d", d);
        var theirs = DerivedDumps.Makedumpfile(Fixture61, $"makedumpfile-l-d{d}", ["-l", "-d", d]);
        Assert.True(StoredPages.AssertSameAs(ours, theirs) > 10000);
        if (level == 1)
        {
            Assert.True(new FileInfo(ours).Length < new FileInfo(theirs).Length * 9 / 10, "a -d 1 dump of this kernel repeats more than a tenth of its data");
        }
    }

    [Fact]
    public void MakedumpfileRefiltersOurDumpWithPagesStoredOnce()
    {
        // Debian's makedumpfile reads our -d 1 file (a third of its pages are copies of earlier ones)
        // as its input and filters it to -d 31: the same pages as our own -d 31 file.
        using var dir = new TempDirectory();
        var level1 = Run(dir, "d1", Fixture61, "-l", "-d", "1");
        var ours31 = Run(dir, "d31", Fixture61, "-l", "-d", "31");
        var refiltered = dir.File("refiltered");
        var result = ExternalTool.Run("makedumpfile", ["-l", "-d", "31", "--message-level", "0", level1, refiltered]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var pfns = UpstreamPfns(Fixture61, 31);
        using var a = DumpOpener.Open(ours31);
        using var b = DumpOpener.Open(refiltered);
        Assert.Equal(PageHashes.Ours(a.Memory, pfns), PageHashes.Ours(b.Memory, pfns));
    }

    [Fact]
    public void FlattenedOutputReassembledByMakedumpfileEqualsTheNormalFile()
    {
        using var dir = new TempDirectory();
        var normal = Run(dir, "normal", Fixture61, "-c", "-d", "31");
        var flat = dir.File("flat");
        using (var stdout = File.Create(flat))
        {
            var arguments = CollectArguments.Parse(["-c", "-d", "31", "-F", "--message-level", "0", Fixtures.ElfVmcore(Fixture61)]);
            new CollectRunner(arguments, TextWriter.Null, () => stdout).Run();
        }

        var reassembled = dir.File("reassembled");
        var result = ExternalTool.Run("sh", ["-c", $"makedumpfile -R '{reassembled}' < '{flat}'"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.ReadAllBytes(reassembled).AsSpan().SequenceEqual(File.ReadAllBytes(normal)));
    }

    [Fact]
    public void SplitPartsReadAsOneDumpWithTheSamePages()
    {
        using var dir = new TempDirectory();
        var whole = Run(dir, "whole", Fixture61, "-l", "-d", "31");
        var parts = new[] { dir.File("p1"), dir.File("p2"), dir.File("p3") };
        var arguments = CollectArguments.Parse(["--split", "-l", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture61), .. parts]);
        new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run();
        Assert.All(parts, p => Assert.True(new FileInfo(p).Length > 0));

        using var one = DumpOpener.Open(whole);
        using var set = DumpOpener.Open(parts);
        var pfns = UpstreamPfns(Fixture61, 31);
        Assert.Equal(PageHashes.Ours(one.Memory, pfns), PageHashes.Ours(set.Memory, pfns));

        // Debian's makedumpfile joins our split set into a file that holds the same pages.
        var joined = dir.File("joined");
        var result = ExternalTool.Run("makedumpfile", ["--reassemble", .. parts, joined]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var rejoined = DumpOpener.Open(joined);
        Assert.Equal(PageHashes.Ours(one.Memory, pfns), PageHashes.Ours(rejoined.Memory, pfns));
    }

    [Fact]
    public void ElfOutputHoldsTheKeptPagesAndOpensInCrash()
    {
        using var dir = new TempDirectory();
        var output = Run(dir, "elf", Fixture61, "-E", "-d", "31");
        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(Fixture61));
        using var ours = DumpOpener.Open(output);
        Assert.Equal(DumpFormat.Elf, ours.Format);

        // ELF output drops zero pages at -d 1 (no shared zero page in ELF), so compare the non-zero kept pages.
        var page = new byte[4096];
        var kept = UpstreamPfns(Fixture61, 31)
            .Where(p => elf.Memory.TryRead(p * 4096, page, out _) && page.AsSpan().ContainsAnyExcept((byte)0)).ToList();
        Assert.Equal(PageHashes.Ours(elf.Memory, kept), PageHashes.Ours(ours.Memory, kept));
        var crash = ExternalTool.Run("crash", ["--osrelease", output]);
        Assert.True(crash.ExitCode == 0, crash.ToString());
    }

    [Fact]
    public void ExistingOutputIsRefusedWithoutForce()
    {
        using var dir = new TempDirectory();
        var output = dir.Write("exists", [1, 2, 3]);
        var arguments = CollectArguments.Parse(["-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture61), output]);
        var e = Assert.Throws<NkdumpException>(() => new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run());
        Assert.Contains("file exists", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(output));
    }
}
