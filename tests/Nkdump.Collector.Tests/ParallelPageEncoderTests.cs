using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

public class ParallelPageEncoderTests
{
    private const int PageSize = 4096;

    private sealed class RecordingSink : IPageSink
    {
        public List<(ulong Pfn, PageEncoding Encoding, byte[] Bytes)> Pages { get; } = [];

        public void WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes) => Pages.Add((pfn, encoding, bytes.ToArray()));
    }

    private sealed class FailingSink(int failAfter) : IPageSink
    {
        private int _count;

        public void WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes)
        {
            if (++_count > failAfter)
            {
                throw new IOException("No space left on device");
            }
        }
    }

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

    private static List<(ulong, PageEncoding, byte[])> Run(PageCompression compression, int workers, IReadOnlyList<byte[]> pages)
    {
        var sink = new RecordingSink();
        using var encoder = new ParallelPageEncoder(new PipelineOptions(PageSize, compression, DetectZeroPages: true, workers, ChunkPages: 16), sink);
        for (var i = 0; i < pages.Count; i++)
        {
            pages[i].CopyTo(encoder.NextPage((ulong)(i * 3)));
            encoder.Commit();
        }

        encoder.Complete();
        return sink.Pages;
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
    public void SinkFailureStopsTheProducerWithTheIOError(int workers)
    {
        var random = new Random(1);
        var sink = new FailingSink(40);
        using var encoder = new ParallelPageEncoder(new PipelineOptions(PageSize, PageCompression.Lzo, true, workers, ChunkPages: 8), sink);
        var e = Assert.Throws<IOException>(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                MakePage(random, 2).CopyTo(encoder.NextPage((ulong)i));
                encoder.Commit();
            }

            encoder.Complete();
        });
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
        var memory = new SyntheticMemory((ulong)(pages.Count * 3));
        for (var i = 0; i < pages.Count; i++)
        {
            memory.Add((ulong)(i * 3), pages[i]);
        }

        var sink = new RecordingSink();
        using (var encoder = new ParallelPageEncoder(new PipelineOptions(PageSize, compression, DetectZeroPages: true, workers, ChunkPages: 16), sink, new SharedPageSource(new SharedSyntheticMemory(memory), "shared")))
        {
            for (var i = 0; i < pages.Count; i++)
            {
                encoder.Enqueue((ulong)(i * 3));
            }

            encoder.Complete();
        }

        var handedIn = Run(compression, workers, pages);
        Assert.Equal(handedIn.Select(p => (p.Item1, p.Item2, Convert.ToHexString(p.Item3))), sink.Pages.Select(p => (p.Pfn, p.Encoding, Convert.ToHexString(p.Bytes))));
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
        using var encoder = new ParallelPageEncoder(new PipelineOptions(PageSize, PageCompression.Lzo, true, 2, ChunkPages: 8), new RecordingSink(), new SharedPageSource(new SharedSyntheticMemory(memory), "/proc/vmcore"));
        var e = Assert.Throws<NkdumpException>(() =>
        {
            for (ulong pfn = 0; pfn < 100; pfn++)
            {
                encoder.Enqueue(pfn);
            }

            encoder.Complete();
        });
        Assert.StartsWith("/proc/vmcore: cannot read a page the dump keeps", e.Message);
        Assert.Contains("0x39000", e.Message);
    }

    [Fact]
    public void OnlyASourceThatReadsFromSeveralThreadsCanBeShared()
    {
        Assert.Throws<ArgumentException>(() => new ParallelPageEncoder(new PipelineOptions(PageSize, PageCompression.Lzo, true, 2), new RecordingSink(), new SharedPageSource(new SyntheticMemory(4), "x")));
    }
}
