using ZstdSharp;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// Zstandard pages through ZstdSharp.Port (a managed port of libzstd: AOT-safe, nothing for the
/// initramfs to carry). One reusable context each way. makedumpfile -z uses ZSTD_compress level 1.
/// </summary>
internal sealed class ZstdCodec(int pageSize) : IPageCompressor, IPageDecompressor
{
    private readonly byte[] _scratch = new byte[Compressor.GetCompressBound(pageSize)];
    private Compressor? _compressor;
    private Decompressor? _decompressor;

    public PageCompression Kind => PageCompression.Zstd;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        _compressor ??= new Compressor(1);
        return ScratchOutput.CopyIfFits(_scratch, _compressor.Wrap(page, _scratch), destination, out written);
    }

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        _decompressor ??= new Decompressor();
        try
        {
            // TryUnwrap fails when the output would exceed one page.
            return _decompressor.TryUnwrap(source, page, out var written) && written == page.Length;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _compressor?.Dispose();
        _decompressor?.Dispose();
    }
}
