using System.Text.Json;
using Nkdump.Formats;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>nkdump info, convert and reassemble on the fixtures and on broken files.</summary>
public sealed class DumpFileCommandTests
{
    private const string Fixture61 = "debian-6.1.0-56-amd64";

    private static string ZlibFixture => Path.Combine(Fixtures.Dir(Fixture61), "vmcore.kdump-zlib-d31");

    /// <summary>Runs nkdump with given standard input and returns the binary standard output too.</summary>
    private static (int ExitCode, string Out, string Error, byte[] Binary) Run(Stream? stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var binary = new MemoryStream();
        var context = new CommandContext(output, error, () => new KeepOpenStream(binary), () => stdin ?? Stream.Null);
        var code = CommandLine.Run(args, context);
        return (code, output.ToString(), error.ToString(), binary.ToArray());
    }

    [Fact]
    public void Info_shows_each_section_of_a_kdump_fixture()
    {
        var (code, output, error) = CliRunner.Run("info", ZlibFixture);
        Assert.True(code == 0, error);
        foreach (var section in new[] { "Dump\n", "Header\n", "Pages\n", "CPUs\n", "VMCOREINFO\n" })
        {
            Assert.Contains(section, output);
        }

        // Counts from expected/inspect.vmcore.kdump-zlib-d31.txt (the lab's independent reader).
        Assert.Matches(@"present\s+89820\n", output);
        Assert.Matches(@"dumped\s+19923\n", output);
        Assert.Matches(@"compression\s+zlib\n", output);
        Assert.Matches(@"osrelease\s+6\.1\.0-56-amd64\n", output);
        Assert.Matches(@"cpu 0\s+pid 1\s+rip 0xffffffff81b741ba", output);
        Assert.Matches(@"kernel_offset\s+0xa00000\n", output);
        Assert.Matches(@"build_id\s+eb4fbcd037e7253717950bf2b93bd5566f47c56f\n", output);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Info_json_describes_the_elf_vmcore(string fixture)
    {
        var (code, output, error) = CliRunner.Run("info", Fixtures.ElfVmcore(fixture), "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("elf", root.GetProperty("format").GetString());
        Assert.Equal("none", root.GetProperty("compression").GetString());
        var pages = root.GetProperty("pages");
        Assert.Equal(pages.GetProperty("present").GetInt64(), pages.GetProperty("dumped").GetInt64());
        Assert.Equal(0, pages.GetProperty("excluded").GetInt64());
        Assert.Equal(2, root.GetProperty("cpus").GetArrayLength());
        var release = File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Single(l => l.StartsWith("release ", StringComparison.Ordinal))[8..];
        Assert.Equal(release, root.GetProperty("vmcoreinfo").GetProperty("os_release").GetString());
        Assert.Equal(0, root.GetProperty("sections").GetArrayLength());
    }

    [Theory]
    [InlineData("zlib")]
    [InlineData("lzo")]
    [InlineData("snappy")]
    [InlineData("zstd")]
    [InlineData("none")]
    public void Convert_keeps_every_page(string compression)
    {
        using var dir = new TempDirectory();
        var output = dir.File("out");
        var (code, text, error) = CliRunner.Run("convert", ZlibFixture, output, "--compress", compression);
        Assert.True(code == 0, error);
        Assert.Contains("19923 pages written", text);
        using var original = DumpOpener.Open(ZlibFixture);
        using var converted = (KdumpDump)DumpOpener.Open(output);
        Assert.Equal(compression, converted.Header.Compression.ToString().ToLowerInvariant());
        Assert.Equal(31, converted.Header.DumpLevel);
        AssertSamePages(original.Memory, converted.Memory);
    }

    [Fact]
    public void Convert_to_elf_and_to_flat_on_standard_output()
    {
        using var dir = new TempDirectory();
        var elf = dir.File("core");
        var (code, _, error) = CliRunner.Run("convert", ZlibFixture, elf, "--format", "elf");
        Assert.True(code == 0, error);
        using var original = DumpOpener.Open(ZlibFixture);
        using (var core = DumpOpener.Open(elf))
        {
            Assert.Equal(DumpFormat.Elf, core.Format);
            Assert.Equal(original.VmcoreInfo!.Text, core.VmcoreInfo!.Text);
            var page = new byte[4096];
            var other = new byte[4096];
            for (ulong pfn = 0; pfn < original.Memory.MaxPfn; pfn++)
            {
                if (original.Memory.GetPageState(pfn) is PageState.Present or PageState.Zero)
                {
                    Assert.True(core.Memory.TryRead(pfn * 4096, page, out _));
                    Assert.True(original.Memory.TryRead(pfn * 4096, other, out _));
                    Assert.True(page.AsSpan().SequenceEqual(other));
                }
            }
        }

        var flat = Run(null, "convert", ZlibFixture, "-", "--format", "flat", "--compress", "lzo");
        Assert.True(flat.ExitCode == 0, flat.Error);
        Assert.Contains("19923 pages written", flat.Error);
        var flatPath = dir.Write("flat", flat.Binary);
        Assert.Equal(DumpFormat.Flattened, DumpOpener.Probe(flatPath));

        // reassemble from a pipe (standard input) and from a file give the same normal file.
        var fromStdin = Run(new MemoryStream(flat.Binary), "reassemble", "-", dir.File("r1"));
        Assert.True(fromStdin.ExitCode == 0, fromStdin.Error);
        var fromFile = CliRunner.Run("reassemble", flatPath, dir.File("r2"));
        Assert.True(fromFile.ExitCode == 0, fromFile.Error);
        Assert.Equal(File.ReadAllBytes(dir.File("r1")), File.ReadAllBytes(dir.File("r2")));

        // A dump holds the crashed machine's secrets: private whatever the umask (the test host's is 022).
        foreach (var made in new[] { dir.File("r1"), dir.File("r2"), elf })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(made));
        }

        using var reassembled = DumpOpener.Open(dir.File("r1"));
        Assert.Equal(DumpFormat.KdumpCompressed, reassembled.Format);
        AssertSamePages(original.Memory, reassembled.Memory);

        // Debian's makedumpfile -R agrees byte for byte.
        var oracle = ExternalTool.Run("sh", ["-c", $"makedumpfile -R '{dir.File("r3")}' < '{flatPath}'"]);
        Assert.True(oracle.ExitCode == 0, oracle.ToString());
        Assert.Equal(File.ReadAllBytes(dir.File("r1")), File.ReadAllBytes(dir.File("r3")));
    }

    [Fact]
    public void Info_and_convert_take_every_part_of_a_split_set()
    {
        // Debian's makedumpfile 1.7.2 --split (it puts every page in the first part on these kernels).
        var parts = DerivedDumps.MakedumpfileSplit(Fixture61, "split-lzo-d31", ["-l", "-d", "31"], 3);
        var (code, output, error) = CliRunner.Run(["info", .. parts]);
        Assert.True(code == 0, error);
        Assert.Matches(@"part 3\s+\S+split-lzo-d31\.3\n", output);
        Assert.Matches(@"split\s+3 file\(s\)", output);
        Assert.Matches(@"dumped\s+19923\n", output);

        using var dir = new TempDirectory();
        var converted = dir.File("joined");
        var result = CliRunner.Run(["convert", .. parts, converted, "--compress", "zstd"]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var original = DumpOpener.Open(ZlibFixture);
        using var joined = DumpOpener.Open(converted);
        AssertSamePages(original.Memory, joined.Memory);
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        Assert.Equal(2, CliRunner.Run("info").ExitCode);
        Assert.Equal(2, CliRunner.Run("convert", ZlibFixture).ExitCode);
        Assert.Equal(2, CliRunner.Run("convert", ZlibFixture, "x", "--format", "tar").ExitCode);
        Assert.Equal(2, CliRunner.Run("convert", ZlibFixture, "x", "--compress", "brotli").ExitCode);
        Assert.Equal(2, CliRunner.Run("convert", ZlibFixture, "-", "--format", "kdump").ExitCode);
        Assert.Equal(2, CliRunner.Run("convert", ZlibFixture, "x", "--format", "elf", "--compress", "zlib").ExitCode);
        Assert.Equal(2, CliRunner.Run("reassemble", "a", "b", "c").ExitCode);
        Assert.Equal(2, CliRunner.Run("reassemble", "a", "-").ExitCode);
    }

    [Fact]
    public void Broken_and_missing_files_exit_1_with_the_file_and_offset()
    {
        using var dir = new TempDirectory();
        var missing = CliRunner.Run("info", dir.File("nope"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains(dir.File("nope"), missing.Error);

        var truncated = dir.Write("cut", File.ReadAllBytes(ZlibFixture)[..20000]);
        var cut = CliRunner.Run("info", truncated);
        Assert.Equal(1, cut.ExitCode);
        Assert.Contains(truncated, cut.Error);
        Assert.Contains("byte offset", cut.Error);

        var notFlat = CliRunner.Run("reassemble", ZlibFixture, dir.File("out"));
        Assert.Equal(1, notFlat.ExitCode);
        Assert.Contains("signature", notFlat.Error);
        Assert.False(File.Exists(dir.File("out")));

        var convert = CliRunner.Run("convert", truncated, dir.File("converted"));
        Assert.Equal(1, convert.ExitCode);
        Assert.False(File.Exists(dir.File("converted")));
    }

    private static void AssertSamePages(IPhysicalMemory expected, IPhysicalMemory actual)
    {
        var a = new byte[4096];
        var b = new byte[4096];
        long compared = 0;
        for (ulong pfn = 0; pfn < expected.MaxPfn; pfn++)
        {
            var state = expected.GetPageState(pfn);
            var got = actual.GetPageState(pfn);
            if (state is PageState.Present or PageState.Zero)
            {
                Assert.True(got is PageState.Present or PageState.Zero, $"pfn 0x{pfn:x}: {got}");
                Assert.True(expected.TryRead(pfn * 4096, a, out _));
                Assert.True(actual.TryRead(pfn * 4096, b, out _));
                Assert.True(a.AsSpan().SequenceEqual(b), $"pfn 0x{pfn:x} differs");
                compared++;
            }
            else
            {
                Assert.Equal(state, got);
            }
        }

        Assert.True(compared > 10000);
    }

    /// <summary>Standard output that survives the command disposing it, so the test can read it.</summary>
    private sealed class KeepOpenStream(MemoryStream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
