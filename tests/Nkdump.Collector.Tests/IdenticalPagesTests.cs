using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// Pages stored once for all their copies (<see cref="IdenticalPages"/>): every copy points at an
/// earlier stored page with the same bytes, the output is the same whatever the number of workers
/// and the chunk size, and a worker's guess that the writer then cannot use (the earlier copy left
/// its slot) is encoded by the writer exactly as a worker would have.
/// </summary>
public sealed class IdenticalPagesTests
{
    private const int PageSize = 4096;

    private static RecordingWriter Run(IReadOnlyList<byte[]> pages, PageCompression compression, int workers, int chunkPages, bool once = true, bool storesCopies = true)
    {
        var memory = new SyntheticMemory((ulong)pages.Count);
        for (var i = 0; i < pages.Count; i++)
        {
            memory.Add((ulong)i, pages[i]);
        }

        var writer = new RecordingWriter(compression, storesCopies);
        var options = new PipelineOptions(DetectZeroPages: true, workers, ChunkPages: chunkPages, StoreIdenticalPagesOnce: once);
        using (var pipeline = new PagePipeline(writer, new PageSource(new SharedSyntheticMemory(memory), "shared"), options))
        {
            for (var i = 0; i < pages.Count; i++)
            {
                pipeline.Add((ulong)i);
            }

            pipeline.Complete();
        }

        return writer;
    }

    /// <summary>A page of one of a few patterns (so most repeat), or zeros, or random bytes.</summary>
    private static byte[] Page(Random random, int pattern)
    {
        var page = new byte[PageSize];
        if (pattern < 0)
        {
            random.NextBytes(page);
        }
        else if (pattern > 0)
        {
            for (var i = 0; i < page.Length; i++)
            {
                page[i] = (byte)((i * pattern) % 251);
            }
        }

        return page;
    }

    [Theory]
    [InlineData(PageCompression.Lzo)]
    [InlineData(PageCompression.Zlib)]
    [InlineData(PageCompression.None)]
    public void CopiesPointAtAnEarlierIdenticalPageAndTheOutputDoesNotDependOnTheWorkers(PageCompression compression)
    {
        var random = new Random(11);
        var kinds = Enumerable.Range(0, 300).Select(_ => random.Next(8) switch { 0 => 0, 1 => -1, var k => (k % 4) + 1 }).ToList();
        var pages = kinds.Select(k => Page(random, k)).ToList();
        var reference = Run(pages, compression, workers: 1, chunkPages: 64);
        foreach (var (workers, chunk) in new[] { (2, 4), (3, 16), (2, 64), (4, 1) })
        {
            Assert.Equal(reference.Log, Run(pages, compression, workers, chunk).Log);
        }

        // Four patterns and zeros: each pattern stored once; every random page stored.
        Assert.Equal(kinds.Count(k => k > 0) - kinds.Where(k => k > 0).Distinct().Count(), reference.Log.Count(l => l.Contains("copy of")));
        Assert.Equal(kinds.Count(k => k == 0), reference.Log.Count(l => l.EndsWith(" zero", StringComparison.Ordinal)));

        // Each copy's target holds the page's own bytes.
        using var codec = compression == PageCompression.None ? null : PageCodecs.CreateDecompressor(compression, PageSize);
        var back = new byte[PageSize];
        foreach (var line in reference.Log.Where(l => l.Contains("copy of")))
        {
            var parts = line.Split(' ');
            var pfn = Convert.ToInt32(parts[0], 16);
            var (encoding, bytes) = reference.Stored[long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture)];
            if (encoding == PageEncoding.Compressed)
            {
                Assert.True(codec!.TryDecompress(bytes, back));
            }
            else
            {
                bytes.CopyTo(back, 0);
            }

            Assert.Equal(pages[pfn], back);
        }
    }

    [Fact]
    public void APageWhoseEarlierCopyLeftItsSlotIsEncodedByTheWriter()
    {
        // A and B share a slot of the writer's table (brute-forced: the same low hash bits) but differ.
        // In A B A B ... each page evicts the other from the slot, so no copy can be made; a worker
        // still sees A's second occurrence among its own recent pages and leaves it unencoded, and
        // the writer must then encode it itself, to the very bytes a worker would have produced.
        var random = new Random(12);
        var a = Page(random, 3);
        var slotOfA = IdenticalPages.Hash(a) & ((1 << 15) - 1);
        byte[] b;
        do
        {
            b = Page(random, 3);
            b[random.Next(PageSize)] = (byte)random.Next(256);
            b[random.Next(PageSize)] = (byte)random.Next(256);
        }
        while ((IdenticalPages.Hash(b) & ((1 << 15) - 1)) != slotOfA || b.AsSpan().SequenceEqual(a));

        var pages = Enumerable.Range(0, 40).Select(i => i % 2 == 0 ? a : b).ToList();
        foreach (var workers in new[] { 1, 2 })
        {
            var once = Run(pages, PageCompression.Lzo, workers, chunkPages: 8);
            var plain = Run(pages, PageCompression.Lzo, workers, chunkPages: 8, once: false);
            Assert.DoesNotContain(once.Log, l => l.Contains("copy of"));
            Assert.Equal(plain.Log, once.Log);
        }
    }

    [Fact]
    public void AWriterThatCannotPointAtEarlierPagesGetsEveryPageStored()
    {
        // An ELF writer stores every page's bytes: the pipeline then neither hashes nor hands over copies.
        var random = new Random(13);
        var pages = Enumerable.Range(0, 100).Select(i => Page(random, (i % 3) + 1)).ToList();
        var elfLike = Run(pages, PageCompression.None, workers: 2, chunkPages: 16, storesCopies: false);
        Assert.DoesNotContain(elfLike.Log, l => l.Contains("copy of"));
        Assert.Equal(Run(pages, PageCompression.None, workers: 2, chunkPages: 16, once: false).Log, elfLike.Log);
        Assert.Contains(Run(pages, PageCompression.None, workers: 2, chunkPages: 16).Log, l => l.Contains("copy of"));
    }
}
