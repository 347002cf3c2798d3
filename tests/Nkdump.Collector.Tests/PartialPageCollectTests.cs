using System.Globalization;
using System.Security.Cryptography;
using Nkdump.Collector.Output;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// Issue 17, finding 8, through the collector: `convert` and `collect` keep the bytes of ELF segments
/// that start or end inside a page, in every output format; the rest of such a page is written as
/// zeros, and the result counts the page as partial. Our output is read back by our reader and by
/// libkdumpfile 0.5.1.
/// </summary>
public sealed class PartialPageCollectTests
{
    private const int Page = 4096;

    /// <summary>
    /// The four shapes of finding 8, each in pages of its own: a segment ending inside page 0x11, one
    /// starting inside page 0x20, two sharing page 0x30 with a gap between them, and a 0x100-byte
    /// segment inside page 0x40.
    /// </summary>
    private static readonly (ulong Address, int Length, int Seed)[] Segments =
    [
        (0x10000, 0x1c00, 1),
        (0x20400, 0x1c00, 2),
        (0x30000, 0x800, 3),
        (0x30c00, 0x400, 4),
        (0x40100, 0x100, 5),
    ];

    /// <summary>The pages only partly covered by the segments above.</summary>
    private static readonly ulong[] PartialPfns = [0x11, 0x20, 0x30, 0x40];

    private static byte[] Data(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] |= 1;
        }

        return bytes;
    }

    /// <summary>Every page the segments touch, as it must read: their bytes, zeros elsewhere.</summary>
    private static SortedDictionary<ulong, byte[]> ExpectedPages()
    {
        var pages = new SortedDictionary<ulong, byte[]>();
        foreach (var (address, length, seed) in Segments)
        {
            var data = Data(length, seed);
            for (var at = 0; at < length;)
            {
                var physical = address + (ulong)at;
                var pfn = physical / Page;
                var inPage = (int)(physical % Page);
                var count = Math.Min(length - at, Page - inPage);
                if (!pages.TryGetValue(pfn, out var page))
                {
                    pages[pfn] = page = new byte[Page];
                }

                data.AsSpan(at, count).CopyTo(page.AsSpan(inPage));
                at += count;
            }
        }

        return pages;
    }

    private static string WriteCore(TempDirectory dir)
    {
        // No VMCOREINFO: dump levels 0 and 1 then need no kernel (page tables, struct pages) in the core.
        var builder = new ElfCoreBuilder();
        foreach (var (address, length, seed) in Segments)
        {
            builder.Load(address, Data(length, seed), vaddr: 0xffff888000000000 + address);
        }

        return dir.Write("core", builder.Build());
    }

    /// <summary>Our reader gives every expected page with its bytes, and nothing else.</summary>
    private static void AssertHoldsExactly(string path, SortedDictionary<ulong, byte[]> expected)
    {
        using var dump = DumpOpener.Open(path);
        var page = new byte[Page];
        foreach (var (pfn, bytes) in expected)
        {
            Assert.True(dump.Memory.TryRead(pfn * Page, page, out var failure), $"{path}: pfn 0x{pfn:x}: {failure}");
            Assert.True(bytes.AsSpan().SequenceEqual(page), $"{path}: pfn 0x{pfn:x} differs");
        }

        var held = new List<ulong>();
        for (ulong pfn = 0; pfn < dump.Memory.MaxPfn; pfn++)
        {
            if (dump.Memory.GetPageState(pfn) is PageState.Present or PageState.Zero or PageState.Partial)
            {
                held.Add(pfn);
            }
        }

        Assert.Equal(expected.Keys, held);
    }

    /// <summary>libkdumpfile reads the expected pages' bytes from <paramref name="path"/> (SHA-1 per page).</summary>
    private static void AssertLibkdumpfileReads(string path, SortedDictionary<ulong, byte[]> expected)
    {
        const string script = """
            import sys, hashlib, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            for line in sys.stdin:
                pfn = int(line)
                try:
                    print(pfn, hashlib.sha1(bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096))).hexdigest())
                except Exception as e:
                    print(pfn, "error", type(e).__name__)
            """;
        var result = ExternalTool.Run("/usr/bin/python3", ["-c", script, path], TimeSpan.FromMinutes(2),
            standardInput: string.Join('\n', expected.Keys) + "\n");
        Assert.True(result.ExitCode == 0, result.ToString());
        var theirs = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2)).ToDictionary(p => ulong.Parse(p[0], CultureInfo.InvariantCulture), p => p[1]);
        foreach (var (pfn, bytes) in expected)
        {
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(bytes)), theirs[pfn]);
        }
    }

    public static TheoryData<OutputFormat, PageCompression> Conversions => new()
    {
        { OutputFormat.Kdump, PageCompression.Lzo },
        { OutputFormat.Kdump, PageCompression.None },
        { OutputFormat.Flat, PageCompression.Zlib },
        { OutputFormat.Elf, PageCompression.None },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Convert_keeps_the_bytes_of_pages_segments_cover_in_part(OutputFormat format, PageCompression compression)
    {
        using var dir = new TempDirectory();
        var expected = ExpectedPages();
        using var input = DumpOpener.Open(WriteCore(dir));
        var output = dir.File("out");
        ConvertResult result;
        using (var stream = File.Create(output))
        {
            result = DumpConverter.Convert(input, stream, format, compression, workers: 2);
        }

        Assert.Equal(expected.Count, result.PagesWritten);
        Assert.Equal(PartialPfns.Length, result.PartialPages);
        Assert.Equal(0, result.UnreadablePages);
        AssertHoldsExactly(output, expected);
        if (format != OutputFormat.Flat)
        {
            AssertLibkdumpfileReads(output, expected);
        }
    }

    [Theory]
    [InlineData("-l", "0")]
    [InlineData("-l", "1")]
    [InlineData("-c", "1")]
    [InlineData("-E", "1")]
    public void Collect_keeps_the_bytes_of_pages_segments_cover_in_part(string format, string level)
    {
        using var dir = new TempDirectory();
        var expected = ExpectedPages();
        var core = WriteCore(dir);
        var output = dir.File("out");
        var messages = new StringWriter();

        // Levels above 1 read struct pages, which this core has not: 0 and 1 go through every format.
        var outcome = new CollectRunner(CollectArguments.Parse([format, "-d", level, "--message-level", "2", core, output]), messages, () => Stream.Null).Run();
        Assert.Equal(expected.Count, outcome.PagesWritten);
        Assert.Equal(PartialPfns.Length, outcome.PartialPages);
        Assert.Contains($"{PartialPfns.Length} pages were only partly in the dump", messages.ToString());
        AssertHoldsExactly(output, expected);
        AssertLibkdumpfileReads(output, expected);
    }

    [Fact]
    public void Info_counts_partial_pages_apart()
    {
        using var dir = new TempDirectory();
        using var input = DumpOpener.Open(WriteCore(dir));
        var counts = Formats.Info.DumpInfo.CountPages(input.Memory);
        Assert.Equal(ExpectedPages().Count, counts.Present);
        Assert.Equal(ExpectedPages().Count, counts.Dumped);
        Assert.Equal(PartialPfns.Length, counts.Partial);
        var text = Formats.Info.DumpInfoText.Render(Formats.Info.DumpInfo.Describe(input));
        Assert.Contains("partial", text);
    }
}
