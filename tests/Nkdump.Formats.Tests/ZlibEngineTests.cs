using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The three deflate engines behind zlib pages, on the pages Debian's makedumpfile 1.7.2 compressed
/// with -c -d 31 from the 6.1 fixture:
/// <list type="bullet">
/// <item>the system zlib engine gives exactly makedumpfile's bytes for every page (it reuses one
/// deflate state where makedumpfile's compress2 makes a new one per page);</item>
/// <item>every engine's pages read back through zlib to the same page, and makedumpfile stores raw
/// exactly the pages that do not shrink;</item>
/// <item>libdeflate's pages add up to no more than makedumpfile's (the size goal of issue 5).</item>
/// </list>
/// </summary>
public sealed class ZlibEngineTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    private static List<(byte[] Page, byte[]? Theirs)> MakedumpfilePages()
    {
        var file = DerivedDumps.Makedumpfile(Fixture, "makedumpfile-c-d31", ["-c", "-d", "31"]);
        using var dump = KdumpDump.Open(file);
        var pages = new List<(byte[], byte[]?)>();
        var page = new byte[dump.Memory.PageSize];
        for (ulong pfn = 0; pfn < dump.Memory.MaxPfn; pfn++)
        {
            if (dump.Memory.GetPageState(pfn) != PageState.Present || !dump.TryGetStored(pfn, out var stored, out var compression))
            {
                continue;
            }

            Assert.True(dump.Memory.TryRead(pfn * (ulong)page.Length, page, out _));
            pages.Add((page.ToArray(), compression == PageCompression.Zlib ? stored.ToArray() : null));
        }

        Assert.True(pages.Count > 1000, $"only {pages.Count} stored pages");
        return pages;
    }

    [Theory]
    [InlineData(ZlibEngine.SystemZlib)]
    [InlineData(ZlibEngine.Libdeflate)]
    [InlineData(ZlibEngine.BuiltIn)]
    public void EachEngineCompressesMakedumpfilesPagesReadably(ZlibEngine engine)
    {
        var pages = MakedumpfilePages();
        using var codec = new ZlibCodec(4096, engine);
        var output = new byte[4095];
        var back = new byte[4096];
        long ours = 0, theirs = 0;
        foreach (var (page, stored) in pages)
        {
            var fits = codec.TryCompress(page, output, out var written);
            Assert.Equal(engine, codec.Engine);
            theirs += stored?.Length ?? page.Length;
            if (!fits)
            {
                ours += page.Length;
                continue;
            }

            ours += written;
            Assert.True(codec.TryDecompress(output.AsSpan(0, written), back));
            Assert.Equal(page, back);
            if (engine == ZlibEngine.SystemZlib)
            {
                Assert.NotNull(stored);
                Assert.True(output.AsSpan(0, written).SequenceEqual(stored), "a page's zlib bytes differ from makedumpfile's");
            }
        }

        if (engine != ZlibEngine.BuiltIn)
        {
            Assert.True(ours <= theirs, $"{engine}: {ours} bytes against makedumpfile's {theirs}");
        }
    }
}
