using System.Runtime.InteropServices;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// LZO1X pages through the system's liblzo2 (the library makedumpfile itself links; Debian's
/// makedumpfile package depends on liblzo2-2, so the capture initramfs must carry liblzo2.so.2 for
/// -l dumps). Compression is LZO1X-1, decompression the bounds-checked lzo1x_decompress_safe.
/// The library is loaded on first use, so nkdump runs without it until LZO is asked for.
/// </summary>
internal sealed unsafe partial class LzoCodec(int pageSize) : IPageCompressor, IPageDecompressor
{
    private const string Library = "liblzo2.so.2";

    // LZO1X_1_MEM_COMPRESS is 16384 dictionary entries; 8 bytes each covers every build of lzo2.
    private readonly byte[] _workMemory = new byte[16384 * 8];

    // lzo1x_1_compress does not check the output bound: give it the documented worst case,
    // n + n/16 + 64 + 3 (lzo's doc/LZO.FAQ).
    private readonly byte[] _scratch = new byte[pageSize + (pageSize / 16) + 64 + 3];

    public PageCompression Kind => PageCompression.Lzo;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        // With room for the worst case, compress in place; otherwise through the scratch buffer.
        var direct = destination.Length >= _scratch.Length;
        var target = direct ? destination : _scratch;
        nuint outLength = (nuint)target.Length;
        int result;
        fixed (byte* src = page)
        fixed (byte* dst = target)
        fixed (byte* work = _workMemory)
        {
            try
            {
                result = Lzo1x1Compress(src, (nuint)page.Length, dst, ref outLength, work);
            }
            catch (DllNotFoundException e)
            {
                throw Missing(e);
            }
        }

        written = (int)outLength;
        if (result != 0 || written > destination.Length)
        {
            written = 0;
            return false;
        }

        if (!direct)
        {
            _scratch.AsSpan(0, written).CopyTo(destination);
        }

        return true;
    }

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

    // int lzo1x_1_compress(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport(Library, EntryPoint = "lzo1x_1_compress")]
    private static partial int Lzo1x1Compress(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);

    // int lzo1x_decompress_safe(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport(Library, EntryPoint = "lzo1x_decompress_safe")]
    private static partial int Lzo1xDecompressSafe(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);
}
