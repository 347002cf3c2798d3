using System.Runtime.InteropServices;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// LZO1X pages. Compression is LZO1X-1 in managed code (<see cref="Lzo1xCompressor"/>: the very
/// bytes of liblzo2's lzo1x_1_compress, which makedumpfile -l calls, without clearing 32 KiB of
/// dictionary per page), so writing -l dumps needs no native library. Decompression is liblzo2's
/// bounds-checked lzo1x_decompress_safe, through the system's liblzo2.so.2 (Debian: liblzo2-2),
/// loaded on first use, so nkdump runs without it until LZO pages are read.
/// </summary>
internal sealed unsafe partial class LzoCodec(int pageSize) : IPageCompressor, IPageDecompressor
{
    private const string Library = "liblzo2.so.2";

    // Made on first compression: a codec that only decompresses needs no dictionary.
    private Lzo1xCompressor? _compressor;

    public PageCompression Kind => PageCompression.Lzo;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written) =>
        (_compressor ??= new Lzo1xCompressor(pageSize)).TryCompress(page, destination, out written);

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        nuint outLength = (nuint)page.Length;
        int result;
        fixed (byte* src = source)
        fixed (byte* dst = page)
        {
            try
            {
                result = Lzo1xDecompressSafe(src, (nuint)source.Length, dst, ref outLength, null);
            }
            catch (DllNotFoundException e)
            {
                throw Missing(e);
            }
        }

        // LZO_E_OK = 0; LZO_E_OUTPUT_OVERRUN (-5) means more than a page.
        return result == 0 && outLength == (nuint)page.Length;
    }

    public void Dispose()
    {
    }

    /// <summary>Turns a missing liblzo2 into an error a person can act on.</summary>
    private static NkdumpException Missing(DllNotFoundException e) =>
        new($"LZO pages need {Library} (Debian: liblzo2-2), which cannot be loaded: {e.Message}", e);

    // int lzo1x_decompress_safe(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport(Library, EntryPoint = "lzo1x_decompress_safe")]
    private static partial int Lzo1xDecompressSafe(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);
}
