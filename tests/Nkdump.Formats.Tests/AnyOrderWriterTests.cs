using System.Diagnostics;
using Nkdump.Collector.Budget;
using Nkdump.Collector.Output;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// A kdump-compressed file whose pages come in passes, most important first (issue 18's capture
/// budget): the data section is out of PFN order, the descriptors still say where each page is, and
/// the file reads back as the same memory. A budget that runs out leaves a valid file marked
/// incomplete holding exactly the pages that came first.
/// </summary>
public sealed class AnyOrderWriterTests
{
    [Theory]
    [InlineData(PageCompression.Lzo, 1)]
    [InlineData(PageCompression.Zstd, 2)]
    [InlineData(PageCompression.None, 1)]
    public void Pages_written_in_passes_read_back_as_the_same_memory(PageCompression compression, int workers)
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(31, 7000);
        var (present, dumped) = Bitmaps(memory);
        var first = EveryThird(dumped);
        var path = dir.File("dump");
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        using (var writer = Writer(output, memory, present, dumped, compression))
        {
            var copied = PageCopy.Run(writer, new PageSource(memory, "synthetic"), WriteOrder.Of(first, dumped), 0, dumped.Bits,
                new PipelineOptions(DetectZeroPages: true, Workers: workers, ChunkPages: 64), progress: null);
            Assert.Null(copied.StoppedBy);
            Assert.Equal(dumped.Count(0, dumped.Bits), copied.PagesWritten);
        }

        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.False(dump.Header.IsIncomplete);
        RoundTripTests.AssertSameMemory(memory, dump.Memory);

        // The first pass's pages lie before every other page's data: the file is not in PFN order.
        var offsets = StoredOffsets(dump.Files[0], dumped);
        var lastOfFirst = offsets.Where(o => first[o.Key]).Max(o => o.Value);
        var firstOfRest = offsets.Where(o => !first[o.Key]).Min(o => o.Value);
        Assert.True(lastOfFirst < firstOfRest, $"the first pass ends at {lastOfFirst}, the rest starts at {firstOfRest}");
    }

    [Fact]
    public void A_flattened_stream_in_passes_reassembles_to_the_same_memory()
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(32, 5000);
        var (present, dumped) = Bitmaps(memory);
        var flat = new MemoryStream();
        using (var stream = new FlattenedWriteStream(flat, leaveOpen: true))
        {
            using (var writer = Writer(stream, memory, present, dumped, PageCompression.Lzo))
            {
                PageCopy.Run(writer, new PageSource(memory, "synthetic"), WriteOrder.Of(EveryThird(dumped), dumped), 0, dumped.Bits,
                    new PipelineOptions(DetectZeroPages: true, Workers: 2, ChunkPages: 32), progress: null);
            }

            stream.Finish();
        }

        var path = dir.File("dump");
        using (var output = File.Create(path))
        {
            flat.Position = 0;
            FlattenedReader.Reassemble(flat, output, "test stream");
        }

        using var dump = DumpOpener.Open(path);
        RoundTripTests.AssertSameMemory(memory, dump.Memory);
    }

    [Fact]
    public void In_any_order_a_page_must_be_in_the_set_and_come_once()
    {
        var dumped = new PfnBitmap(100);
        dumped[10] = true;
        dumped[20] = true;
        dumped[30] = true;
        using var output = new MemoryStream();
        using var writer = new KdumpWriter(output, new KdumpWriterOptions { Compression = PageCompression.Lzo, MaxMapnr = 100, Present = dumped, Dumped = dumped, PagesInAnyOrder = true });
        writer.WriteZeroPage(30);
        writer.WriteZeroPage(10);
        Assert.Throws<InvalidOperationException>(() => writer.WriteZeroPage(30));
        Assert.Throws<InvalidOperationException>(() => writer.WriteZeroPage(11));
        Assert.Throws<InvalidOperationException>(() => writer.Complete());
        writer.WriteZeroPage(20);
        writer.Complete();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_size_budget_stops_a_valid_dump_marked_incomplete_holding_the_first_pass(int workers)
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(33, 8000);
        var (present, dumped) = Bitmaps(memory);
        var first = EveryThird(dumped);
        var path = dir.File("dump");
        long limit;
        PagesCopied copied;
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        using (var writer = Writer(output, memory, present, dumped, PageCompression.None))
        {
            // Room for the head and the first pass (raw pages: 4096 bytes each, zero pages none) and 100 pages more.
            var firstStored = memory.Pages.Keys.LongCount(pfn => first[pfn] && memory.GetPageState(pfn) == PageState.Present);
            limit = writer.DataOffset + 4096 + ((firstStored + 100) * 4096L);
            var budget = new CaptureBudget((ulong)limit, null, Stopwatch.StartNew());
            copied = PageCopy.Run(writer, new PageSource(memory, "synthetic"), WriteOrder.Of(first, dumped), 0, dumped.Bits,
                new PipelineOptions(DetectZeroPages: true, Workers: workers, ChunkPages: 64, Budget: budget), progress: null);
        }

        Assert.Contains("size limit", copied.StoppedBy);
        Assert.True(new FileInfo(path).Length <= limit, $"{new FileInfo(path).Length} bytes written, the limit is {limit}");
        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.True(dump.Header.IsIncomplete);
        var page = new byte[4096];
        long fromRest = 0, missing = 0;
        for (var pfn = dumped.NextSet(0); pfn < dumped.Bits; pfn = dumped.NextSet(pfn + 1))
        {
            var state = dump.Memory.GetPageState(pfn);
            if (first[pfn])
            {
                // Every page of the first pass is there, with its bytes.
                Assert.True(state == memory.GetPageState(pfn), $"pfn 0x{pfn:x}: {state}");
            }
            else if (state == PageState.Incomplete)
            {
                missing++;
                Assert.False(dump.Memory.TryRead(pfn * 4096, page, out var failure));
                Assert.Equal(PageState.Incomplete, failure.State);
                continue;
            }
            else if (state == PageState.Present)
            {
                fromRest++;
            }

            if (state is PageState.Present or PageState.Zero)
            {
                Assert.True(dump.Memory.TryRead(pfn * 4096, page, out _));
                Assert.Equal(memory.Pages.TryGetValue(pfn, out var bytes) ? bytes : new byte[4096], page);
            }
        }

        Assert.Equal(100, fromRest);
        Assert.True(missing > 1000, $"only {missing} pages missing");
        Assert.Equal(copied.PagesWritten, dumped.Count(0, dumped.Bits) - missing);
    }

    [Fact]
    public void A_time_budget_already_spent_leaves_only_the_head_marked_incomplete()
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(34, 3000);
        var (present, dumped) = Bitmaps(memory);
        var path = dir.File("dump");
        PagesCopied copied;
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        using (var writer = Writer(output, memory, present, dumped, PageCompression.Zlib))
        {
            var budget = new CaptureBudget(null, TimeSpan.Zero, Stopwatch.StartNew());
            copied = PageCopy.Run(writer, new PageSource(memory, "synthetic"), WriteOrder.Of(dumped), 0, dumped.Bits,
                new PipelineOptions(DetectZeroPages: true, Workers: 2, ChunkPages: 64, Budget: budget), progress: null);
        }

        Assert.Contains("time limit", copied.StoppedBy);
        Assert.Equal(0, copied.PagesWritten);
        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.True(dump.Header.IsIncomplete);
        Assert.Equal(2, dump.Notes.Count(n => n.Type == Notes.ElfNote.NtPrstatus));
        Assert.NotNull(dump.VmcoreInfo);
        Assert.Equal(PageState.Incomplete, dump.Memory.GetPageState(dumped.NextSet(0)));
    }

    private static (PfnBitmap Present, PfnBitmap Dumped) Bitmaps(SyntheticMemory memory)
    {
        var present = new PfnBitmap(memory.MaxPfn);
        var dumped = new PfnBitmap(memory.MaxPfn);
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                present[pfn] = true;
                dumped[pfn] = memory.GetPageState(pfn) != PageState.Excluded;
            }
        }

        return (present, dumped);
    }

    private static PfnBitmap EveryThird(PfnBitmap dumped)
    {
        var first = new PfnBitmap(dumped.Bits);
        for (var pfn = dumped.NextSet(0); pfn < dumped.Bits; pfn = dumped.NextSet(pfn + 1))
        {
            first[pfn] = pfn % 3 == 0;
        }

        return first;
    }

    private static KdumpWriter Writer(Stream output, SyntheticMemory memory, PfnBitmap present, PfnBitmap dumped, PageCompression compression) =>
        new(output, new KdumpWriterOptions
        {
            Compression = compression,
            MaxMapnr = memory.MaxPfn,
            Present = present,
            Dumped = dumped,
            Notes = new SyntheticDump(memory).Notes,
            PagesInAnyOrder = true,
        });

    /// <summary>Each stored (non-zero) page's data offset, from the file's descriptors.</summary>
    private static Dictionary<ulong, long> StoredOffsets(KdumpFile file, PfnBitmap dumped)
    {
        var offsets = new Dictionary<ulong, long>();
        long index = 0;
        for (var pfn = dumped.NextSet(0); pfn < dumped.Bits; pfn = dumped.NextSet(pfn + 1), index++)
        {
            var descriptor = file.ReadDescriptor(index);
            if (descriptor.Offset != file.ZeroPageOffset)
            {
                offsets[pfn] = descriptor.Offset;
            }
        }

        return offsets;
    }
}
