using System.Runtime.InteropServices;

namespace Nkdump.Bench;

/// <summary>
/// The native libzstd and libsnappy (Debian's packages), only to compare against the managed
/// ZstdSharp.Port and Snappier when choosing codecs. nkdump itself does not use these.
/// </summary>
internal static unsafe partial class NativeCodecs
{
    // size_t ZSTD_compress(void* dst, size_t dstCapacity, const void* src, size_t srcSize, int level);
    [LibraryImport("libzstd.so.1", EntryPoint = "ZSTD_compress")]
    public static partial nuint ZstdCompress(byte* dst, nuint capacity, byte* src, nuint size, int level);

    // size_t ZSTD_decompress(void* dst, size_t dstCapacity, const void* src, size_t compressedSize);
    [LibraryImport("libzstd.so.1", EntryPoint = "ZSTD_decompress")]
    public static partial nuint ZstdDecompress(byte* dst, nuint capacity, byte* src, nuint size);

    // snappy_status snappy_compress(const char* input, size_t input_length, char* compressed, size_t* compressed_length);
    [LibraryImport("libsnappy.so.1", EntryPoint = "snappy_compress")]
    public static partial int SnappyCompress(byte* input, nuint length, byte* output, ref nuint outputLength);

    // snappy_status snappy_uncompress(const char* compressed, size_t compressed_length, char* uncompressed, size_t* uncompressed_length);
    [LibraryImport("libsnappy.so.1", EntryPoint = "snappy_uncompress")]
    public static partial int SnappyUncompress(byte* input, nuint length, byte* output, ref nuint outputLength);
}
