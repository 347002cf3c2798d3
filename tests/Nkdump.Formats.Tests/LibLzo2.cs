using System.Runtime.InteropServices;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Debian's liblzo2 2.10, the library makedumpfile -l calls: the oracle our managed LZO1X-1
/// compressor must match byte for byte, and whose lzo1x_decompress_safe our managed decompressor
/// must agree with on every input, valid or not.
/// </summary>
internal static unsafe partial class LibLzo2
{
    private const string Library = "liblzo2.so.2";

    /// <summary>lzo1x_1_compress's bytes for <paramref name="input"/>.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> input)
    {
        // LZO1X_1_MEM_COMPRESS is 16384 dictionary entries; 8 bytes each covers every build.
        var workMemory = new byte[16384 * 8];
        var output = new byte[input.Length + (input.Length / 16) + 64 + 3];
        nuint length = (nuint)output.Length;
        fixed (byte* src = input)
        fixed (byte* dst = output)
        fixed (byte* work = workMemory)
        {
            Assert.Equal(0, Lzo1x1Compress(src, (nuint)input.Length, dst, ref length, work));
        }

        return output[..(int)length];
    }

    /// <summary>lzo1x_decompress_safe of <paramref name="compressed"/> into at most <paramref name="capacity"/> bytes; null on an error.</summary>
    public static byte[]? Decompress(ReadOnlySpan<byte> compressed, int capacity)
    {
        var output = new byte[capacity];
        nuint length = (nuint)capacity;
        fixed (byte* src = compressed)
        fixed (byte* dst = output)
        {
            return Lzo1xDecompressSafe(src, (nuint)compressed.Length, dst, ref length, null) == 0 ? output[..(int)length] : null;
        }
    }

    /// <summary>
    /// lzo1x_decompress_safe of <paramref name="compressed"/> with <paramref name="capacity"/> bytes of
    /// room: its status (LZO_E_*) and the out_len bytes it wrote (also on failure: how far it got).
    /// </summary>
    public static (int Status, byte[] Output) DecompressSafe(ReadOnlySpan<byte> compressed, int capacity)
    {
        var output = new byte[capacity];
        nuint length = (nuint)capacity;
        int status;
        fixed (byte* src = compressed)
        fixed (byte* dst = output)
        {
            status = Lzo1xDecompressSafe(src, (nuint)compressed.Length, dst, ref length, null);
        }

        return (status, output[..(int)length]);
    }

    // int lzo1x_1_compress(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport(Library, EntryPoint = "lzo1x_1_compress")]
    private static partial int Lzo1x1Compress(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);

    // int lzo1x_decompress_safe(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport(Library, EntryPoint = "lzo1x_decompress_safe")]
    private static partial int Lzo1xDecompressSafe(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);
}
