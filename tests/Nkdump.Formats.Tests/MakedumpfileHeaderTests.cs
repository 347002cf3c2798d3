using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Our header is filled the way makedumpfile fills it: converting the ELF vmcore gives the same
/// utsname, timestamp, phys_base, CPU count, notes copy, VMCOREINFO placement, sizes and "memory
/// exists" bitmap as makedumpfile's own -c -d 31 file of the same capture (the fixture).
/// </summary>
public sealed class MakedumpfileHeaderTests(ConvertedFixtures converted) : IClassFixture<ConvertedFixtures>
{
    private const string Fixture61 = "debian-6.1.0-56-amd64";

    [Fact]
    public void Converted_elf_header_matches_makedumpfile()
    {
        using var ours = (KdumpDump)DumpOpener.Open(converted.Get(Fixture61, OutputFormat.Kdump, PageCompression.Zlib));
        using var theirs = (KdumpDump)DumpOpener.Open(Path.Combine(Fixtures.Dir(Fixture61), "vmcore.kdump-zlib-d31"));
        var a = ours.Header;
        var b = theirs.Header;
        Assert.Equal(b.HeaderVersion, a.HeaderVersion);
        Assert.Equal(b.Utsname, a.Utsname);
        Assert.Equal(b.TimestampSeconds, a.TimestampSeconds);
        Assert.Equal(b.Status, a.Status);
        Assert.Equal(b.BlockSize, a.BlockSize);
        Assert.Equal(b.SubHeaderBlocks, a.SubHeaderBlocks);
        Assert.Equal(b.BitmapBlocks, a.BitmapBlocks);
        Assert.Equal(b.MaxMapnr32, a.MaxMapnr32);
        Assert.Equal(b.MaxMapnr64, a.MaxMapnr64);
        Assert.Equal(b.NrCpus, a.NrCpus);
        Assert.Equal(b.PhysBase, a.PhysBase);
        Assert.Equal(b.OffsetNote, a.OffsetNote);
        Assert.Equal(b.SizeNote, a.SizeNote);
        Assert.Equal(b.OffsetVmcoreinfo, a.OffsetVmcoreinfo);
        Assert.Equal(b.SizeVmcoreinfo, a.SizeVmcoreinfo);
        Assert.Equal(b.Split, a.Split);
        Assert.Equal(theirs.Files[0].DescriptorTableOffset, ours.Files[0].DescriptorTableOffset);

        // Same notes bytes and the same "memory exists" bitmap (dump level 0 here vs 31 there: only the second bitmap differs).
        var notesOurs = File.ReadAllBytes(ours.Path).AsSpan((int)a.OffsetNote, (int)a.SizeNote).ToArray();
        var notesTheirs = File.ReadAllBytes(theirs.Path).AsSpan((int)b.OffsetNote, (int)b.SizeNote).ToArray();
        Assert.Equal(notesTheirs, notesOurs);
        var bitmapAt = (1 + b.SubHeaderBlocks) * 4096;
        var bitmapLength = (int)(b.BitmapBlocks * 4096 / 2);
        Assert.Equal(
            File.ReadAllBytes(theirs.Path).AsSpan(bitmapAt, bitmapLength).ToArray(),
            File.ReadAllBytes(ours.Path).AsSpan(bitmapAt, bitmapLength).ToArray());
        Assert.Equal(0, a.DumpLevel);
    }
}
