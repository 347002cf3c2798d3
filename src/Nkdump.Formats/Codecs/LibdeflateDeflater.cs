using System.Runtime.InteropServices;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// Page deflater over libdeflate (Debian: libdeflate0), a whole-buffer DEFLATE compressor with no
/// streaming state to set up per call. Its level 2 gives pages about 1 % smaller than classic zlib's
/// level 1 (makedumpfile -c) at several times its speed (docs/BENCHMARKS.md), and its zlib wrapper
/// is an ordinary RFC 1950 stream that zlib's uncompress (crash, makedumpfile, libkdumpfile) reads.
/// </summary>
internal sealed unsafe partial class LibdeflateDeflater : IDisposable
{
    private const string Library = "libdeflate.so.0";
    private const int Level = 2;

    private void* _compressor;

    private LibdeflateDeflater(void* compressor) => _compressor = compressor;

    /// <summary>A deflater, or null when libdeflate.so.0 cannot be loaded.</summary>
    public static LibdeflateDeflater? TryCreate()
    {
        try
        {
            var compressor = AllocCompressor(Level);
            return compressor == null ? null : new LibdeflateDeflater(compressor);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Compresses one page as a zlib stream; false when it does not fit <paramref name="destination"/>.</summary>
    public bool TryDeflate(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        ObjectDisposedException.ThrowIf(_compressor == null, this);
        fixed (byte* input = page)
        fixed (byte* output = destination)
        {
            // Returns 0 when the result would not fit.
            written = (int)ZlibCompress(_compressor, input, (nuint)page.Length, output, (nuint)destination.Length);
        }

        return written > 0;
    }

    public void Dispose()
    {
        if (_compressor != null)
        {
            FreeCompressor(_compressor);
            _compressor = null;
        }
    }

    // struct libdeflate_compressor *libdeflate_alloc_compressor(int compression_level);
    [LibraryImport(Library, EntryPoint = "libdeflate_alloc_compressor")]
    private static partial void* AllocCompressor(int level);

    // size_t libdeflate_zlib_compress(struct libdeflate_compressor *c, const void *in, size_t in_nbytes, void *out, size_t out_nbytes_avail);
    [LibraryImport(Library, EntryPoint = "libdeflate_zlib_compress")]
    private static partial nuint ZlibCompress(void* compressor, byte* input, nuint inputLength, byte* output, nuint outputLength);

    // void libdeflate_free_compressor(struct libdeflate_compressor *c);
    [LibraryImport(Library, EntryPoint = "libdeflate_free_compressor")]
    private static partial void FreeCompressor(void* compressor);
}
