using System.Globalization;
using System.Security.Cryptography;
using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Our kdump-compressed output read by the real tools from Debian 12's packages. Which tool checks what:
/// <list type="bullet">
/// <item>crash 8.0.2 `--osrelease` (reads the utsname we put in the header; 6.1 only: crash 8.0.2 cannot open 6.12 dumps at all).</item>
/// <item>libkdumpfile 0.5.1 (/usr/bin/python3, `import kdumpfile`): reads sampled pages by physical address; they must equal ours.</item>
/// <item>makedumpfile 1.7.2 `--dump-dmesg`: reads the kernel log through our file, must print exactly what it prints from
/// the original vmcore (expected/dmesg.makedumpfile.txt). Only for zlib, lzo and none: Debian's build lacks snappy and zstd,
/// which crash and libkdumpfile check instead.</item>
/// <item>makedumpfile 1.7.2 `-R`: reassembles our flattened stream into a file byte-identical to our normal output.</item>
/// </list>
/// </summary>
public sealed class OracleTests(ConvertedFixtures converted) : IClassFixture<ConvertedFixtures>
{
    private const string Fixture61 = "debian-6.1.0-56-amd64";

    public static TheoryData<string, PageCompression> FixturesAndCompressions()
    {
        var data = new TheoryData<string, PageCompression>();
        foreach (var fixture in Fixtures.Names)
        {
            foreach (var compression in Enum.GetValues<PageCompression>())
            {
                data.Add(fixture, compression);
            }
        }

        return data;
    }

    public static TheoryData<string, PageCompression> DebianMakedumpfileCompressions()
    {
        var data = new TheoryData<string, PageCompression>();
        foreach (var fixture in Fixtures.Names)
        {
            data.Add(fixture, PageCompression.Zlib);
            data.Add(fixture, PageCompression.Lzo);
            data.Add(fixture, PageCompression.None);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixturesAndCompressions))]
    public void Our_kdump_output_holds_every_page_of_the_vmcore(string fixture, PageCompression compression)
    {
        var path = converted.Get(fixture, OutputFormat.Kdump, compression);
        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.Equal(compression, dump.Header.Compression);
        var compared = PageComparison.AssertSubsetEqual(elf.Memory, dump.Memory);
        Assert.Equal(elf.Memory.Ranges.Sum(r => (long)r.Count), compared);
        Assert.Equal(File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Single(l => l.StartsWith("version ", StringComparison.Ordinal))[8..], dump.Header.Utsname[3]);
    }

    [Theory]
    [InlineData(PageCompression.Zlib)]
    [InlineData(PageCompression.Lzo)]
    [InlineData(PageCompression.Snappy)]
    [InlineData(PageCompression.Zstd)]
    [InlineData(PageCompression.None)]
    public void Crash_reads_the_os_release(PageCompression compression)
    {
        var path = converted.Get(Fixture61, OutputFormat.Kdump, compression);
        var result = ExternalTool.Run("crash", ["--osrelease", path], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("6.1.0-56-amd64", result.StandardOutput.Trim());
    }

    [Theory]
    [MemberData(nameof(FixturesAndCompressions))]
    public void Libkdumpfile_reads_the_same_pages(string fixture, PageCompression compression)
    {
        var path = converted.Get(fixture, OutputFormat.Kdump, compression);
        using var dump = DumpOpener.Open(path);
        var pfns = new List<ulong>();
        foreach (var range in dump.Memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn += 13)
            {
                pfns.Add(pfn);
            }

            pfns.Add(range.EndPfn - 1);
        }

        const string script = """
            import sys, hashlib, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            for line in sys.stdin:
                pfn = int(line)
                try:
                    data = k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096)
                    print(pfn, hashlib.sha1(bytes(data)).hexdigest())
                except Exception as e:
                    print(pfn, "error", type(e).__name__)
            """;
        var result = ExternalTool.Run("/usr/bin/python3", ["-c", script, path], TimeSpan.FromMinutes(3), standardInput: string.Join('\n', pfns) + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        var theirs = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2)).ToDictionary(p => ulong.Parse(p[0], CultureInfo.InvariantCulture), p => p[1]);
        Assert.Equal(pfns.Count, theirs.Count);
        var page = new byte[4096];
        foreach (var pfn in pfns)
        {
            Assert.True(dump.Memory.TryRead(pfn * 4096, page, out var failure), failure.ToString());
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(page)), theirs[pfn]);
        }
    }

    [Theory]
    [MemberData(nameof(DebianMakedumpfileCompressions))]
    public void Makedumpfile_dumps_the_same_kernel_log(string fixture, PageCompression compression)
    {
        var path = converted.Get(fixture, OutputFormat.Kdump, compression);
        var log = Path.Combine(converted.Directory, $"{fixture}.{compression}.dmesg");
        var result = ExternalTool.Run("makedumpfile", ["--dump-dmesg", path, log], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(File.ReadAllText(Fixtures.Expected(fixture, "dmesg.makedumpfile.txt")), File.ReadAllText(log));
    }

    [Theory]
    [InlineData(PageCompression.Zlib)]
    [InlineData(PageCompression.Lzo)]
    public void Makedumpfile_R_reassembles_our_flattened_stream(PageCompression compression)
    {
        var flat = converted.Get(Fixture61, OutputFormat.Flat, compression);
        var normal = converted.Get(Fixture61, OutputFormat.Kdump, compression);
        var reassembled = Path.Combine(converted.Directory, $"R.{compression}");
        var result = ExternalTool.Run("sh", ["-c", $"makedumpfile -R '{reassembled}' < '{flat}'"], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.ReadAllBytes(normal).AsSpan().SequenceEqual(File.ReadAllBytes(reassembled)), "makedumpfile -R output differs from our normal file");
    }

    /// <summary>Our ELF output: crash --osrelease finds OSRELEASE in its VMCOREINFO note, and libkdumpfile reads the same pages.</summary>
    [Fact]
    public void Crash_and_libkdumpfile_read_our_elf_output()
    {
        var path = converted.Get(Fixture61, OutputFormat.Elf, PageCompression.None);
        var crash = ExternalTool.Run("crash", ["--osrelease", path], TimeSpan.FromMinutes(1));
        Assert.True(crash.ExitCode == 0, crash.ToString());
        Assert.Equal("6.1.0-56-amd64", crash.StandardOutput.Trim());

        using var dump = DumpOpener.Open(path);
        var pfns = dump.Memory.Ranges.SelectMany(r => new[] { r.StartPfn, r.StartPfn + (r.Count / 2), r.EndPfn - 1 }).ToList();
        const string script = """
            import sys, hashlib, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            print(k.attr["file.format"])
            for line in sys.stdin:
                pfn = int(line)
                print(pfn, hashlib.sha1(bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096))).hexdigest())
            """;
        var result = ExternalTool.Run("/usr/bin/python3", ["-c", script, path], TimeSpan.FromMinutes(2), standardInput: string.Join('\n', pfns) + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("elf", lines[0]);
        var page = new byte[4096];
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split(' ');
            var pfn = ulong.Parse(parts[0], CultureInfo.InvariantCulture);
            Assert.True(dump.Memory.TryRead(pfn * 4096, page, out _));
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(page)), parts[1]);
        }

        Assert.Equal(pfns.Count, lines.Length - 1);
    }

    /// <summary>
    /// drgn 0.0.22 without debug info translates a kernel virtual address (init_uts_ns, from VMCOREINFO)
    /// through the page tables in our files: this needs the kernel text map in ELF output.
    /// </summary>
    [Theory]
    [InlineData("debian-6.1.0-56-amd64", "elf-from-elf")]
    [InlineData("debian-6.12.117-amd64", "elf-from-elf")]
    [InlineData("debian-6.1.0-56-amd64", "elf-from-kdump")]
    [InlineData("debian-6.1.0-56-amd64", "zstd-from-elf")]
    [InlineData("debian-6.12.117-amd64", "lzo-from-elf")]
    public void Drgn_reads_the_utsname_through_the_page_tables(string fixture, string variant)
    {
        var path = variant switch
        {
            "elf-from-elf" => converted.Get(fixture, OutputFormat.Elf, PageCompression.None),
            "elf-from-kdump" => converted.GetFrom(Path.Combine(Fixtures.Dir(fixture), "vmcore.kdump-zlib-d31"), OutputFormat.Elf, PageCompression.None),
            "zstd-from-elf" => converted.Get(fixture, OutputFormat.Kdump, PageCompression.Zstd),
            _ => converted.Get(fixture, OutputFormat.Kdump, PageCompression.Lzo),
        };
        DrgnOracle.AssertReadsUtsname(path, fixture);
    }
}
