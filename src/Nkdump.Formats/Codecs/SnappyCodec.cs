using Snappier;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// Snappy pages (the raw block format, as makedumpfile's snappy_compress writes) through Snappier:
/// managed, AOT-safe, span-based, no allocation per page.
/// </summary>
internal sealed class SnappyCodec(int pageSize) : IPageCompressor, IPageDecompressor
{
    private readonly byte[] _scratch = new byte[Snappy.GetMaxCompressedLength(pageSize)];

    public PageCompression Kind => PageCompression.Snappy;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        return ScratchOutput.CopyIfFits(_scratch, Snappy.Compress(page, _scratch), destination, out written);
    }

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        try
        {
            return Snappy.GetUncompressedLength(source) == page.Length && Snappy.Decompress(source, page) == page.Length;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    public void Dispose()
    {
    }
}
