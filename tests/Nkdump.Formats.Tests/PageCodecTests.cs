using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Tests;

/// <summary>Each page codec: round trips, refuses what does not fit, and says "corrupt" instead of throwing.</summary>
public sealed class PageCodecTests
{
    public static TheoryData<PageCompression> Kinds() => [PageCompression.Zlib, PageCompression.Lzo, PageCompression.Snappy, PageCompression.Zstd];

    private static byte[] Compressible(int seed)
    {
        var page = new byte[4096];
        var random = new Random(seed);
        for (var i = 0; i < page.Length; i++)
        {
            page[i] = (byte)(i % 13 == 0 ? random.Next(256) : i & 0x3f);
        }

        return page;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Pages_round_trip(PageCompression kind)
    {
        using var compressor = PageCodecs.CreateCompressor(kind, 4096);
        using var decompressor = PageCodecs.CreateDecompressor(kind, 4096);
        var output = new byte[4095];
        var back = new byte[4096];
        for (var seed = 0; seed < 50; seed++)
        {
            var page = Compressible(seed);
            Assert.True(compressor.TryCompress(page, output, out var written));
            Assert.InRange(written, 1, 4000);
            Assert.True(decompressor.TryDecompress(output.AsSpan(0, written), back));
            Assert.Equal(page, back);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Incompressible_pages_do_not_fit_in_less_than_a_page(PageCompression kind)
    {
        using var compressor = PageCodecs.CreateCompressor(kind, 4096);
        var page = new byte[4096];
        new Random(3).NextBytes(page);
        Assert.False(compressor.TryCompress(page, new byte[4095], out var written));
        Assert.Equal(0, written);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Data_for_more_than_a_page_is_refused(PageCompression kind)
    {
        // Compress two pages' worth with a codec sized for 8 KiB, then decode as a 4 KiB page.
        using var big = PageCodecs.CreateCompressor(kind, 8192);
        var twoPages = new byte[8192];
        Compressible(1).CopyTo(twoPages, 0);
        Compressible(2).CopyTo(twoPages, 4096);
        var output = new byte[8192];
        Assert.True(big.TryCompress(twoPages, output, out var written));
        using var decompressor = PageCodecs.CreateDecompressor(kind, 4096);
        Assert.False(decompressor.TryDecompress(output.AsSpan(0, written), new byte[4096]));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Garbage_and_truncated_data_are_corrupt_not_exceptions(PageCompression kind)
    {
        using var compressor = PageCodecs.CreateCompressor(kind, 4096);
        using var decompressor = PageCodecs.CreateDecompressor(kind, 4096);
        var output = new byte[4095];
        Assert.True(compressor.TryCompress(Compressible(9), output, out var written));
        var page = new byte[4096];
        Assert.False(decompressor.TryDecompress(output.AsSpan(0, written / 2), page));
        Assert.False(decompressor.TryDecompress(ReadOnlySpan<byte>.Empty, page));
        var random = new Random(kind.GetHashCode());
        var garbage = new byte[600];
        for (var i = 0; i < 200; i++)
        {
            random.NextBytes(garbage);
            var length = random.Next(1, garbage.Length);
            decompressor.TryDecompress(garbage.AsSpan(0, length), page);
        }

        // Still works after all that.
        Assert.True(decompressor.TryDecompress(output.AsSpan(0, written), page));
        Assert.Equal(Compressible(9), page);
    }

    [Fact]
    public void Names_parse_both_ways()
    {
        foreach (var kind in Enum.GetValues<PageCompression>())
        {
            Assert.True(PageCodecs.TryParse(PageCodecs.Name(kind), out var parsed));
            Assert.Equal(kind, parsed);
        }

        Assert.False(PageCodecs.TryParse("brotli", out _));
    }
}
