using Nkdump.Formats.Codecs;
using Nkdump.Fuzz.Seeds;

namespace Nkdump.Fuzz.Targets;

/// <summary>
/// The page decompressors a kdump-compressed file's pages go through (zlib, LZO1X, snappy, zstd):
/// the first byte picks the codec, the rest is one stored page. A decompressor answers false for
/// damaged data; it never throws and never writes past the page.
/// </summary>
internal static class CodecTarget
{
    private const int PageSize = 4096;

    public static FuzzTarget Target { get; } =
        new("page-codecs", "Formats/Codecs: zlib, lzo (own LZO1X decoder), snappy and zstd page decompression", Run, CodecSeeds.All);

    private static void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var kind = (PageCompression)(1 + (input[0] % 4));
        using var decompressor = PageCodecs.CreateDecompressor(kind, PageSize);
        // A guard after the page: a decoder that writes past the span it was given would show here.
        var buffer = new byte[PageSize + 64];
        buffer.AsSpan(PageSize).Fill(0xa5);
        decompressor.TryDecompress(input.AsSpan(1), buffer.AsSpan(0, PageSize));
        if (buffer.AsSpan(PageSize).IndexOfAnyExcept((byte)0xa5) >= 0)
        {
            throw new InvalidOperationException($"{kind} decompressor wrote past the end of the page");
        }
    }
}
