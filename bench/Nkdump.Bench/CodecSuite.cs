using System.Globalization;
using System.Runtime.InteropServices;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;

namespace Nkdump.Bench;

/// <summary>
/// Page codecs over the non-zero pages of a vmcore, one thread: compress and decompress MB/s and the
/// ratio, for the codecs nkdump ships (zlib from System.IO.Compression, LZO1X-1 in managed code
/// both ways, Snappier, ZstdSharp.Port) and the native liblzo2 (makedumpfile's
/// compressor, whose bytes ours equal), libsnappy and libzstd they were chosen against.
/// </summary>
internal static unsafe partial class CodecSuite
{
    // LZO1X_1_MEM_COMPRESS: 16384 dictionary entries; 8 bytes each covers every build of lzo2.
    private static readonly byte[] LzoWorkMemory = new byte[16384 * 8];

    public static void Run(string elf)
    {
        var pages = LoadPages(elf, 40000);
        var megabytes = pages.Count * 4096 / 1e6;
        Console.WriteLine($"### Page codecs ({pages.Count} non-zero pages of {Path.GetFileName(elf)}, one thread, best of 3)");
        Console.WriteLine();
        Console.WriteLine("| codec | implementation | compress MB/s | decompress MB/s | compressed % |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var kind in new[] { PageCompression.Zlib, PageCompression.Lzo, PageCompression.Snappy, PageCompression.Zstd })
        {
            var name = kind switch
            {
                PageCompression.Zlib => "System.IO.Compression (zlib-ng), level 1",
                PageCompression.Lzo => "managed LZO1X-1 (liblzo2's bytes), managed decompression",
                PageCompression.Snappy => "Snappier 1.3.1 (managed)",
                _ => "ZstdSharp.Port 0.8.8 (managed), level 1",
            };
            using var compressor = PageCodecs.CreateCompressor(kind, 4096);
            using var decompressor = PageCodecs.CreateDecompressor(kind, 4096);
            Measure(PageCodecs.Name(kind), name, pages, megabytes,
                (page, output) => compressor.TryCompress(page, output, out var written) ? written : -1,
                (input, page) => decompressor.TryDecompress(input, page));
        }

        Measure("lzo", "liblzo2.so.2 lzo1x_1_compress (native, makedumpfile's, for comparison)", pages, megabytes, NativeLzoCompress, NativeLzoDecompress);
        Measure("snappy", "libsnappy.so.1 (native, for comparison)", pages, megabytes, NativeSnappyCompress, NativeSnappyDecompress);
        Measure("zstd", "libzstd.so.1 level 1 (native, for comparison)", pages, megabytes, NativeZstdCompress, NativeZstdDecompress);
    }

    private delegate int Compress(ReadOnlySpan<byte> page, Span<byte> output);

    private delegate bool Decompress(ReadOnlySpan<byte> input, Span<byte> page);

    private static void Measure(string codec, string implementation, List<byte[]> pages, double megabytes, Compress compress, Decompress decompress)
    {
        var stored = new byte[pages.Count][];
        var buffer = new byte[8192];
        long total = 0;
        var compressSeconds = FormatsSuite.Best(() =>
        {
            total = 0;
            for (var i = 0; i < pages.Count; i++)
            {
                var n = compress(pages[i], buffer);
                if (n < 0 || n >= 4096)
                {
                    stored[i] = pages[i];
                    total += 4096;
                }
                else
                {
                    stored[i] ??= buffer[..n];
                    total += n;
                }
            }
        });
        var page = new byte[4096];
        var decompressSeconds = FormatsSuite.Best(() =>
        {
            for (var i = 0; i < pages.Count; i++)
            {
                if (stored[i].Length == 4096)
                {
                    continue;
                }

                if (!decompress(stored[i], page) || !page.AsSpan().SequenceEqual(pages[i]))
                {
                    throw new InvalidOperationException($"{codec} ({implementation}) round trip failed on page {i}");
                }
            }
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {codec} | {implementation} | {megabytes / compressSeconds:F0} | {megabytes / decompressSeconds:F0} | {100.0 * total / (pages.Count * 4096.0):F1} |"));
    }

    private static List<byte[]> LoadPages(string elf, int limit)
    {
        using var dump = DumpOpener.Open(elf);
        var memory = dump.Memory;
        var pages = new List<byte[]>();
        var page = new byte[4096];
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn && pages.Count < limit; pfn++)
            {
                if (memory.TryRead(pfn * 4096, page, out _) && page.AsSpan().IndexOfAnyExcept((byte)0) >= 0)
                {
                    pages.Add((byte[])page.Clone());
                }
            }
        }

        return pages;
    }

    internal static int NativeLzoCompress(ReadOnlySpan<byte> page, Span<byte> output)
    {
        // lzo1x_1_compress checks no bound: the output buffer (8 KiB) exceeds its worst case for a page.
        nuint length = (nuint)output.Length;
        fixed (byte* src = page)
        fixed (byte* dst = output)
        fixed (byte* work = LzoWorkMemory)
        {
            return Lzo1x1Compress(src, (nuint)page.Length, dst, ref length, work) == 0 ? (int)length : -1;
        }
    }

    private static bool NativeLzoDecompress(ReadOnlySpan<byte> input, Span<byte> page)
    {
        nuint length = (nuint)page.Length;
        fixed (byte* src = input)
        fixed (byte* dst = page)
        {
            return Lzo1xDecompressSafe(src, (nuint)input.Length, dst, ref length, null) == 0 && length == (nuint)page.Length;
        }
    }

    // int lzo1x_1_compress(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport("liblzo2.so.2", EntryPoint = "lzo1x_1_compress")]
    private static partial int Lzo1x1Compress(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);

    // int lzo1x_decompress_safe(const lzo_bytep src, lzo_uint src_len, lzo_bytep dst, lzo_uintp dst_len, lzo_voidp wrkmem);
    [LibraryImport("liblzo2.so.2", EntryPoint = "lzo1x_decompress_safe")]
    private static partial int Lzo1xDecompressSafe(byte* src, nuint srcLength, byte* dst, ref nuint dstLength, byte* workMemory);

    private static int NativeSnappyCompress(ReadOnlySpan<byte> page, Span<byte> output)
    {
        nuint length = (nuint)output.Length;
        fixed (byte* src = page)
        fixed (byte* dst = output)
        {
            return NativeCodecs.SnappyCompress(src, (nuint)page.Length, dst, ref length) == 0 ? (int)length : -1;
        }
    }

    private static bool NativeSnappyDecompress(ReadOnlySpan<byte> input, Span<byte> page)
    {
        nuint length = (nuint)page.Length;
        fixed (byte* src = input)
        fixed (byte* dst = page)
        {
            return NativeCodecs.SnappyUncompress(src, (nuint)input.Length, dst, ref length) == 0 && length == (nuint)page.Length;
        }
    }

    private static int NativeZstdCompress(ReadOnlySpan<byte> page, Span<byte> output)
    {
        fixed (byte* src = page)
        fixed (byte* dst = output)
        {
            var n = NativeCodecs.ZstdCompress(dst, (nuint)output.Length, src, (nuint)page.Length, 1);
            return n > (nuint)output.Length ? -1 : (int)n;
        }
    }

    private static bool NativeZstdDecompress(ReadOnlySpan<byte> input, Span<byte> page)
    {
        fixed (byte* src = input)
        fixed (byte* dst = page)
        {
            return NativeCodecs.ZstdDecompress(dst, (nuint)page.Length, src, (nuint)input.Length) == (nuint)page.Length;
        }
    }
}
