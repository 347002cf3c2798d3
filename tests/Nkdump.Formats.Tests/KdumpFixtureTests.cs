using System.Globalization;
using System.Text.RegularExpressions;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// makedumpfile's kdump-compressed files (the fixtures' and ones Debian's makedumpfile 1.7.2 makes
/// from vmcore.elf in the test) read page-for-page equal to the raw /proc/vmcore.
/// </summary>
public sealed partial class KdumpFixtureTests
{
    /// <summary>Variants Debian's makedumpfile can write (it lacks snappy and zstd: those come from the fixtures).</summary>
    public static TheoryData<string, string> Variants()
    {
        var data = new TheoryData<string, string>();
        foreach (var fixture in Fixtures.Names)
        {
            foreach (var file in Fixtures.KdumpFiles(fixture))
            {
                data.Add(fixture, Path.GetFileName(file));
            }

            data.Add(fixture, "lzo-d31");
            data.Add(fixture, "none-d1");
            data.Add(fixture, "flat-zlib-d31");
            data.Add(fixture, "split-lzo-d31");
        }

        return data;
    }

    internal static IReadOnlyList<string> Materialize(string fixture, string variant) => variant switch
    {
        "lzo-d31" => [DerivedDumps.Makedumpfile(fixture, variant, ["-l", "-d", "31"])],
        "none-d1" => [DerivedDumps.Makedumpfile(fixture, variant, ["-d", "1"])],
        "flat-zlib-d31" => [DerivedDumps.Makedumpfile(fixture, variant, ["-F", "-c", "-d", "31"], toStdout: true)],
        "split-lzo-d31" => DerivedDumps.MakedumpfileSplit(fixture, variant, ["-l", "-d", "31"], 3),
        _ => [Path.Combine(Fixtures.Dir(fixture), variant)],
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_page_equals_the_elf_vmcore(string fixture, string variant)
    {
        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        using var dump = DumpOpener.Open(Materialize(fixture, variant));
        Assert.Equal(variant.StartsWith("flat", StringComparison.Ordinal) ? DumpFormat.Flattened : DumpFormat.KdumpCompressed, dump.Format);
        var compared = PageComparison.AssertSubsetEqual(elf.Memory, dump.Memory);
        Assert.True(compared > 10000, $"only {compared} pages compared");
        Assert.Equal(elf.VmcoreInfo!.Text, dump.VmcoreInfo!.Text);
        Assert.Equal(elf.Cpus.Select(c => (c.Pid, c.Registers.Rip, c.Registers.Rsp)), dump.Cpus.Select(c => (c.Pid, c.Registers.Rip, c.Registers.Rsp)));
    }

    [Fact]
    public void Zlib_fixture_header_matches_the_reference_inspection()
    {
        const string fixture = "debian-6.1.0-56-amd64";
        var inspect = File.ReadAllText(Fixtures.Expected(fixture, "inspect.vmcore.kdump-zlib-d31.txt"));
        using var dump = (KdumpDump)DumpOpener.Open(Path.Combine(Fixtures.Dir(fixture), "vmcore.kdump-zlib-d31"));
        var h = dump.Header;
        Assert.Equal(6, h.HeaderVersion);
        Assert.Equal(PageCompression.Zlib, h.Compression);
        Assert.Equal(Field(inspect, @"@408 timestamp\s+tv_sec=(\d+)"), h.TimestampSeconds);
        Assert.Equal(Field(inspect, @"@432 sub_hdr_size\s+(\d+)"), h.SubHeaderBlocks);
        Assert.Equal(Field(inspect, @"@436 bitmap_blocks\s+(\d+)"), h.BitmapBlocks);
        Assert.Equal(Field(inspect, @"@460 nr_cpus\s+(\d+)"), h.NrCpus);
        Assert.Equal(Field(inspect, @"\+0\s+phys_base\s+(\d+)"), (long)h.PhysBase);
        Assert.Equal(31, h.DumpLevel);
        Assert.Equal(Field(inspect, @"max_mapnr_64\s+(\d+)"), (long)h.MaxMapnr);
        Assert.Equal("6.1.0-56-amd64", h.Utsname[2]);
        Assert.Equal("x86_64", h.Utsname[4]);

        var file = dump.Files[0];
        Assert.Equal(Field(inspect, @"bitmap1 \(present\) pages: (\d+)"), file.Present.SetCount);
        Assert.Equal(Field(inspect, @"bitmap2 \(dumped\) pages: (\d+)"), file.DescriptorCount);
        Assert.Equal(Field(inspect, @"most shared data offset: (\d+)"), file.ZeroPageOffset);
        Assert.Equal(Field(inspect, @"page_desc table @(\d+)"), file.DescriptorTableOffset);
        Assert.Equal(Field(inspect, @"size_vmcoreinfo\s+(\d+)"), dump.VmcoreInfo!.Text.Length);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Reassembling_a_flattened_dump_gives_makedumpfile_R_output(string fixture)
    {
        var flat = Materialize(fixture, "flat-zlib-d31")[0];
        var oracle = Path.Combine(RepoPaths.Cache, $"{fixture}.flat-zlib-d31.R");
        if (!File.Exists(oracle))
        {
            var result = ExternalTool.Run("sh", ["-c", $"makedumpfile -R '{oracle}.tmp' < '{flat}' && mv '{oracle}.tmp' '{oracle}'"]);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        var ours = Path.Combine(Path.GetTempPath(), $"nkdump-R-{Guid.NewGuid():N}");
        try
        {
            // Through a non-seekable reader, as from a pipe.
            using (var input = new NonSeekableStream(File.OpenRead(flat)))
            using (var output = File.Create(ours))
            {
                FlattenedReader.Reassemble(input, output, flat);
            }

            Assert.True(File.ReadAllBytes(oracle).AsSpan().SequenceEqual(File.ReadAllBytes(ours)), "reassembled file differs from makedumpfile -R");
        }
        finally
        {
            File.Delete(ours);
        }
    }

    private static long Field(string text, string pattern) =>
        long.Parse(Regex.Match(text, pattern).Groups[1].Value, CultureInfo.InvariantCulture);
}

/// <summary>Hides a stream's seeking, as a pipe would.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
