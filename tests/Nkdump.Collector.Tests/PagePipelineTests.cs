using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// The pipeline on its own (<see cref="PagePipeline"/>): ordered, decodable output whatever the
/// number of workers, from a source the workers read and from one the producer reads, and a failure
/// anywhere stopping the run with its cause.
/// </summary>
public class PagePipelineTests
{
    private const int PageSize = 4096;

    private static byte[] MakePage(Random random, int kind)
    {
        var page = new byte[PageSize];
        switch (kind)
        {
            case 0: break; // zero
            case 1: random.NextBytes(page); break; // incompressible
            default:
                for (var i = 0; i < page.Length; i++)
                {
                    page[i] = (byte)(i % 7 == 0 ? random.Next(4) : 'a');
                }

                break;
        }

        return page;
    }

    /// <summary>Page i of <paramref name="pages"/> at PFN 3 i.</summary>
    private static SyntheticMemory Spread(IReadOnlyList<byte[]> pages)
    {
        var memory = new SyntheticMemory((ulong)(pages.Count * 3));
        for (var i = 0; i < pages.Count; i++)
        {
            memory.Add((ulong)(i * 3), pages[i]);
        }

        return memory;
    }

    private static void Feed(PagePipeline pipeline, int count, int step)
    {
        for (var i = 0; i < count; i++)
        {
            pipeline.Add((ulong)(i * step));
        }

        pipeline.Complete();
    }

    /// <summary>The pages through the pipeline, read by the producer (a memory that one thread at a time reads).</summary>
    private static List<(ulong, PageEncoding, byte[])> Run(PageCompression compression, int workers, IReadOnlyList<byte[]> pages)
    {
        var writer = new RecordingWriter(compression);
        using (var pipeline = new PagePipeline(writer, new PageSource(Spread(pages), "handed"), new PipelineOptions(DetectZeroPages: true, workers, ChunkPages: 16)))
        {
            Feed(pipeline, pages.Count, 3);
        }

        return writer.Pages;
    }

    [Theory]
    [InlineData(PageCompression.None)]
    [InlineData(PageCompression.Zlib)]
    [InlineData(PageCompression.Lzo)]
    [InlineData(PageCompression.Snappy)]
    [InlineData(PageCompression.Zstd)]
    public void OutputIsOrderedDecodableAndIndependentOfWorkerCount(PageCompression compression)
    {
        var random = new Random(42);
        var pages = Enumerable.Range(0, 203).Select(i => MakePage(random, i % 3)).ToList();
        var one = Run(compression, 1, pages);
        var three = Run(compression, 3, pages);
        Assert.Equal(pages.Count, one.Count);
        Assert.Equal(one.Select(p => (p.Item1, p.Item2, Convert.ToHexString(p.Item3))), three.Select(p => (p.Item1, p.Item2, Convert.ToHexString(p.Item3))));

        using var decompressor = compression == PageCompression.None ? null : PageCodecs.CreateDecompressor(compression, PageSize);
        var page = new byte[PageSize];
        for (var i = 0; i < pages.Count; i++)
        {
            var (pfn, encoding, bytes) = one[i];
            Assert.Equal((ulong)(i * 3), pfn);
            switch (encoding)
            {
                case PageEncoding.Zero:
                    Assert.True(pages[i].AsSpan().IndexOfAnyExcept((byte)0) < 0);
                    Assert.Empty(bytes);
                    break;
                case PageEncoding.Raw:
                    Assert.Equal(pages[i], bytes);
                    break;
                default:
                    Assert.True(bytes.Length < PageSize);
                    Assert.True(decompressor!.TryDecompress(bytes, page));
                    Assert.Equal(pages[i], page);
                    break;
            }
        }

        if (compression != PageCompression.None)
        {
            Assert.Contains(one, p => p.Item2 == PageEncoding.Compressed);
        }
    }

    [Theory]
    [InlineData(1)] // everything on the caller's thread
    [InlineData(2)]
    public void WriterFailureStopsTheProducerWithTheIOError(int workers)
    {
        var random = new Random(1);
        var memory = new SyntheticMemory(10_000);
        for (ulong pfn = 0; pfn < 10_000; pfn++)
        {
            memory.Add(pfn, MakePage(random, 2));
        }

        using var pipeline = new PagePipeline(new RecordingWriter(PageCompression.Lzo, failAfter: 40), new PageSource(memory, "x"), new PipelineOptions(true, workers, ChunkPages: 8));
        var e = Assert.Throws<IOException>(() => Feed(pipeline, 10_000, 1));
        Assert.Contains("No space left", e.Message);
    }

    [Theory]
    [InlineData(PageCompression.Lzo, 1)]
    [InlineData(PageCompression.Zlib, 3)]
    [InlineData(PageCompression.None, 2)]
    public void PagesReadByTheWorkersGiveTheSameOutputAsPagesHandedIn(PageCompression compression, int workers)
    {
        var random = new Random(7);
        var pages = Enumerable.Range(0, 203).Select(i => MakePage(random, i % 3)).ToList();
        var writer = new RecordingWriter(compression);
        using (var pipeline = new PagePipeline(writer, new PageSource(new SharedSyntheticMemory(Spread(pages)), "shared"), new PipelineOptions(DetectZeroPages: true, workers, ChunkPages: 16)))
        {
            Feed(pipeline, pages.Count, 3);
        }

        var handedIn = Run(compression, workers, pages);
        Assert.Equal(handedIn.Select(p => (p.Item1, p.Item2, Convert.ToHexString(p.Item3))), writer.Pages.Select(p => (p.Pfn, p.Encoding, Convert.ToHexString(p.Bytes))));
    }

    [Fact]
    public void APageTheWorkersCannotReadStopsTheRunNamingTheDump()
    {
        var memory = new SyntheticMemory(100);
        for (ulong pfn = 0; pfn < 100; pfn++)
        {
            memory.Add(pfn, MakePage(new Random((int)pfn), 2));
        }

        memory.Exclude(57);
        foreach (var source in new IPhysicalMemory[] { new SharedSyntheticMemory(memory), memory })
        {
            using var pipeline = new PagePipeline(new RecordingWriter(PageCompression.Lzo), new PageSource(source, "/proc/vmcore"), new PipelineOptions(true, 2, ChunkPages: 8));
            var e = Assert.Throws<NkdumpException>(() => Feed(pipeline, 100, 1));
            Assert.StartsWith("/proc/vmcore: cannot read a page the dump keeps", e.Message);
            Assert.Contains("0x39000", e.Message);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OnlyASourceThatReadsFromSeveralThreadsIsReadByTheWorkers(bool concurrent)
    {
        var memory = Spread(Enumerable.Range(0, 100).Select(i => MakePage(new Random(i), 2)).ToList());
        var readers = new ThreadRecordingMemory(memory, concurrent);
        using (var pipeline = new PagePipeline(new RecordingWriter(PageCompression.Lzo), new PageSource(readers, "x"), new PipelineOptions(true, 2, ChunkPages: 8)))
        {
            Feed(pipeline, 100, 3);
        }

        var producer = Environment.CurrentManagedThreadId;
        Assert.Equal(concurrent, readers.Threads.Any(t => t != producer));
        Assert.Equal(!concurrent, readers.Threads.All(t => t == producer));
    }

    [Fact]
    public void AWriterWithADifferentPageSizeIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new PagePipeline(new RecordingWriter(PageCompression.Lzo), new PageSource(new SyntheticMemory(4, pageSize: 8192), "x"), new PipelineOptions(true, 1)));
    }

    /// <summary>Records which threads read it.</summary>
    private sealed class ThreadRecordingMemory(SyntheticMemory memory, bool concurrent) : IPhysicalMemory
    {
        public System.Collections.Concurrent.ConcurrentBag<int> Threads { get; } = [];

        public int PageSize => memory.PageSize;

        public ulong MaxPfn => memory.MaxPfn;

        public IReadOnlyList<PfnRange> Ranges => memory.Ranges;

        public bool ConcurrentReads => concurrent;

        public PageState GetPageState(ulong pfn) => memory.GetPageState(pfn);

        public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            return memory.TryRead(physicalAddress, destination, out failure);
        }
    }
}
