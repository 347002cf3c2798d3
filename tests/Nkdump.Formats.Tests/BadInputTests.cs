using System.Buffers.Binary;
using System.IO.Compression;
using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>Hostile and damaged files: clear errors naming the file and byte offset, never a hang or a silent zero.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly byte[] _good;
    private readonly KdumpDump _reference;

    public BadInputTests()
    {
        var memory = SyntheticMemory.Random(7, 3000);
        var path = _dir.File("good");
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(new SyntheticDump(memory), output, OutputFormat.Kdump, PageCompression.Zlib);
        }

        _good = File.ReadAllBytes(path);
        _reference = (KdumpDump)DumpOpener.Open(path);
    }

    public void Dispose()
    {
        _reference.Dispose();
        _dir.Dispose();
    }

    private DumpFormatException OpenFails(byte[] bytes, string name)
    {
        var path = _dir.Write(name, bytes);
        var error = Assert.Throws<DumpFormatException>(() => DumpOpener.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        return error;
    }

    private byte[] With(Action<byte[]> change)
    {
        var copy = (byte[])_good.Clone();
        change(copy);
        return copy;
    }

    [Theory]
    [InlineData(8)]
    [InlineData(463)]
    [InlineData(4100)]
    [InlineData(9000)]
    public void Truncated_kdump_headers_and_bitmaps(int length)
    {
        var error = OpenFails(_good[..length], $"truncated{length}");
        Assert.InRange(error.Offset, 0, 8192);
    }

    [Fact]
    public void Truncated_descriptor_table_without_the_incomplete_flag()
    {
        var cut = (int)_reference.Files[0].DescriptorTableOffset + 100;
        var error = OpenFails(_good[..cut], "cut-table");
        Assert.Equal(_reference.Files[0].DescriptorTableOffset, error.Offset);
        Assert.Contains("page descriptors", error.Message);
    }

    [Theory]
    [InlineData(KdumpLayout.HeaderVersion, 99, KdumpLayout.HeaderVersion)]
    [InlineData(KdumpLayout.BlockSize, 1000, KdumpLayout.BlockSize)]
    [InlineData(KdumpLayout.SubHeaderSize, 1 << 30, KdumpLayout.SubHeaderSize)]
    [InlineData(KdumpLayout.BitmapBlocks, 1 << 30, KdumpLayout.BitmapBlocks)]
    [InlineData(KdumpLayout.BitmapBlocks, 0, KdumpLayout.BitmapBlocks)]
    public void Corrupt_main_header_fields(int field, int value, int expectedOffset)
    {
        var error = OpenFails(With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(field), value)), $"field{field}-{value}");
        Assert.Equal(expectedOffset, error.Offset);
    }

    [Theory]
    [InlineData(KdumpLayout.SubMaxMapnr64, 1L << 60)]
    [InlineData(KdumpLayout.SubMaxMapnr64, 1L << 30)]
    [InlineData(KdumpLayout.SubOffsetNote, 1L << 40)]
    [InlineData(KdumpLayout.SubSizeVmcoreinfo, 1L << 40)]
    [InlineData(KdumpLayout.SubOffsetEraseinfo, -5)]
    public void Corrupt_sub_header_fields_and_absurd_counts(int field, long value)
    {
        var bytes = With(b =>
        {
            BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(4096 + field), value);
            if (field == KdumpLayout.SubOffsetEraseinfo)
            {
                BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(4096 + KdumpLayout.SubSizeEraseinfo), 10);
            }
        });
        var error = OpenFails(bytes, $"sub{field}");
        var expected = field is KdumpLayout.SubSizeVmcoreinfo ? KdumpLayout.SubOffsetVmcoreinfo : field;
        Assert.Equal(4096 + expected, error.Offset);
    }

    [Fact]
    public void Bitmap_and_descriptor_counts_that_disagree()
    {
        // Cut the file right after the last descriptor, then mark one more page as dumped.
        var file = _reference.Files[0];
        var bytes = _good[..(int)file.DataOffset];
        var bitmap2 = (int)(file.DescriptorTableOffset - ((_reference.Header.BitmapBlocks / 2) * 4096L));
        var free = Enumerable.Range(0, 3000).First(pfn => !_reference.Memory.GetPageState((ulong)pfn).Equals(PageState.Present) && _reference.Memory.GetPageState((ulong)pfn) != PageState.Zero);
        bytes[bitmap2 + (free / 8)] |= (byte)(1 << (free % 8));
        var error = OpenFails(bytes, "disagree");
        Assert.Equal(file.DescriptorTableOffset, error.Offset);
    }

    [Fact]
    public void A_page_that_decompresses_to_more_than_a_page_is_corrupt_not_zeros()
    {
        var pfn = Enumerable.Range(0, 3000).Select(p => (ulong)p).First(p => _reference.Memory.GetPageState(p) == PageState.Present);
        var index = _reference.Files[0].Dumped.Rank(pfn);
        var descAt = (int)(_reference.Files[0].DescriptorTableOffset + (index * 24));
        var oversized = new MemoryStream();
        using (var zlib = new ZLibStream(oversized, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[8192]);
        }

        var bytes = With(b =>
        {
            var offset = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(descAt));
            oversized.ToArray().CopyTo(b, offset);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(descAt + 8), (uint)oversized.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(descAt + 12), KdumpLayout.CompressedZlib);
        });
        using var dump = DumpOpener.Open(_dir.Write("oversized", bytes));
        Assert.Equal(PageState.Present, dump.Memory.GetPageState(pfn));
        Assert.False(dump.Memory.TryRead(pfn * 4096, new byte[4096], out var failure));
        Assert.Equal(new PhysicalReadFailure(pfn * 4096, PageState.Corrupt), failure);
        Assert.False(dump.Memory.TryRead((pfn * 4096) + 10, new byte[8], out failure));
        Assert.Equal(PageState.Corrupt, failure.State);
    }

    [Fact]
    public void A_descriptor_pointing_past_the_end_is_corrupt()
    {
        var pfn = Enumerable.Range(0, 3000).Select(p => (ulong)p).First(p => _reference.Memory.GetPageState(p) == PageState.Present);
        var descAt = (int)(_reference.Files[0].DescriptorTableOffset + (_reference.Files[0].Dumped.Rank(pfn) * 24));
        using var dump = DumpOpener.Open(_dir.Write("past-end", With(b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(descAt), 1L << 40))));
        Assert.Equal(PageState.Corrupt, dump.Memory.GetPageState(pfn));
        Assert.False(dump.Memory.TryRead(pfn * 4096, new byte[4096], out var failure));
        Assert.Equal(PageState.Corrupt, failure.State);
    }

    [Fact]
    public void Elf_notes_with_absurd_sizes()
    {
        var core = new ElfCoreBuilder().VmcoreInfo("OSRELEASE=x\n").Load(0, new byte[4096]).Build();
        // The first note's n_descsz sits 4 bytes into the notes, which follow the two program headers.
        var notesAt = 64 + (2 * 56);
        BinaryPrimitives.WriteUInt32LittleEndian(core.AsSpan(notesAt + 4), 0x7fffffff);
        var error = OpenFails(core, "elf-note");
        Assert.Equal(notesAt, error.Offset);
    }

    [Fact]
    public void Elf_with_an_absurd_program_header_count()
    {
        var core = new ElfCoreBuilder { ForceExtendedNumbering = true }.Load(0, new byte[4096]).Build();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(core.AsSpan(40));
        BinaryPrimitives.WriteUInt32LittleEndian(core.AsSpan(shoff + 44), 0xffffffff);
        var error = OpenFails(core, "elf-phnum");
        Assert.Equal(32, error.Offset);
    }

    [Fact]
    public void Flattened_streams_that_are_cut_or_lie_about_sizes()
    {
        var flat = new MemoryStream();
        using (var writer = new FlattenedWriteStream(flat, leaveOpen: true))
        {
            writer.Write(new byte[10000]);
        }

        var bytes = flat.ToArray();
        var cut = Assert.Throws<DumpFormatException>(() => FlattenedReader.Reassemble(new MemoryStream(bytes[..5000]), new MemoryStream(), "cut.flat"));
        Assert.Equal("cut.flat", cut.FilePath);
        Assert.Contains("inside a record", cut.Message);
        var noEnd = Assert.Throws<DumpFormatException>(() => FlattenedReader.Reassemble(new MemoryStream(bytes[..^16]), new MemoryStream(), "noend.flat"));
        Assert.Contains("end marker", noEnd.Message);
        var lie = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt64BigEndian(lie.AsSpan(4096 + 8), long.MaxValue);
        var huge = Assert.Throws<DumpFormatException>(() => FlattenedReader.Reassemble(new MemoryStream(lie), new MemoryStream(), "lie.flat"));
        Assert.Equal(4096, huge.Offset);
        var header = (byte[])bytes.Clone();
        header[20] = 9;
        Assert.Equal(16, Assert.Throws<DumpFormatException>(() => FlattenedReader.Reassemble(new MemoryStream(header), new MemoryStream(), "type.flat")).Offset);
    }
}
