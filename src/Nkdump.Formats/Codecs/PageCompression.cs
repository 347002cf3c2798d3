namespace Nkdump.Formats.Codecs;

/// <summary>How the pages of a kdump-compressed file are compressed (one kind per file).</summary>
public enum PageCompression
{
    /// <summary>Every page stored raw.</summary>
    None,

    /// <summary>zlib (RFC 1950), makedumpfile -c.</summary>
    Zlib,

    /// <summary>LZO1X-1, makedumpfile -l.</summary>
    Lzo,

    /// <summary>Snappy raw format, makedumpfile -p.</summary>
    Snappy,

    /// <summary>Zstandard frame, makedumpfile -z.</summary>
    Zstd,
}

/// <summary>
/// Compresses pages. Not thread-safe: one instance per worker thread (they hold scratch buffers
/// and codec contexts so that compressing a page allocates nothing, zlib aside).
/// </summary>
public interface IPageCompressor : IDisposable
{
    PageCompression Kind { get; }

    /// <summary>
    /// Compresses <paramref name="page"/> into <paramref name="destination"/>. Returns false when the
    /// result does not fit (the caller then stores the page raw, as makedumpfile does).
    /// </summary>
    bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written);
}

/// <summary>Decompresses pages; not thread-safe, one instance per thread.</summary>
public interface IPageDecompressor : IDisposable
{
    PageCompression Kind { get; }

    /// <summary>
    /// Decompresses <paramref name="source"/> into exactly <paramref name="page"/>.Length bytes. Returns
    /// false when the data is corrupt or decompresses to more or fewer bytes than a page.
    /// </summary>
    bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> page);
}

/// <summary>Creates compressors and decompressors by kind.</summary>
public static class PageCodecs
{
    public static IPageCompressor CreateCompressor(PageCompression kind, int pageSize) => kind switch
    {
        PageCompression.Zlib => new ZlibCodec(pageSize),
        PageCompression.Lzo => new LzoCodec(pageSize),
        PageCompression.Snappy => new SnappyCodec(pageSize),
        PageCompression.Zstd => new ZstdCodec(pageSize),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no compressor for uncompressed pages"),
    };

    public static IPageDecompressor CreateDecompressor(PageCompression kind, int pageSize) => kind switch
    {
        PageCompression.Zlib => new ZlibCodec(pageSize),
        PageCompression.Lzo => new LzoCodec(pageSize),
        PageCompression.Snappy => new SnappyCodec(pageSize),
        PageCompression.Zstd => new ZstdCodec(pageSize),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no decompressor for uncompressed pages"),
    };

    /// <summary>The name used on the command line and in `info`: zlib, lzo, snappy, zstd, none.</summary>
    public static string Name(PageCompression kind) => kind.ToString().ToLowerInvariant();

    public static bool TryParse(string name, out PageCompression kind)
    {
        foreach (var candidate in Enum.GetValues<PageCompression>())
        {
            if (Name(candidate) == name)
            {
                kind = candidate;
                return true;
            }
        }

        kind = PageCompression.None;
        return false;
    }
}
