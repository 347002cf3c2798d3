using System.Buffers.Binary;
using Nkdump.Collector.Output;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Limits;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Issue 17, finding 2, on kdump input: max_mapnr is a header field, so a hostile or damaged header
/// may claim any value. It is believed only as far as the bitmaps in the file hold that many bits
/// (and never past <see cref="InputLimits.Dump.PageFrames"/>); otherwise opening fails with the file and the
/// field's offset, before anything is allocated for it.
/// </summary>
public sealed class KdumpHugeMaxMapnrTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1UL << 36)]
    [InlineData(InputLimits.Dump.PageFrames)]
    [InlineData(InputLimits.Dump.PageFrames + 1)]
    [InlineData(ulong.MaxValue)]
    public void A_max_mapnr_beyond_the_bitmaps_is_refused_naming_file_and_offset(ulong claimed)
    {
        var path = _dir.File("v6");
        using (var output = File.Create(path))
        {
            DumpConverter.Convert(new SyntheticDump(SyntheticMemory.Random(3, 64)), output, OutputFormat.Kdump, PageCompression.Zlib, workers: 1);
        }

        var bytes = File.ReadAllBytes(path);
        var blockSize = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(KdumpLayout.BlockSize));
        var at = blockSize + KdumpLayout.SubMaxMapnr64;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at), claimed);
        var patched = _dir.Write("huge", bytes);

        var error = Assert.Throws<DumpFormatException>(() => DumpOpener.Open(patched).Dispose());
        Assert.Equal(at, error.Offset);
        Assert.Contains(patched, error.Message);
        Assert.Contains($"max_mapnr {claimed}", error.Message);
    }
}
