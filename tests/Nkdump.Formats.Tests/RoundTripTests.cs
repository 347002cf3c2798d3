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
/// Property tests: random sparse memories written by our writers and read back by our readers keep
/// every page state and every byte, for each compression, split sets, the flattened stream and ELF.
/// </summary>
public sealed class RoundTripTests
{
    public static TheoryData<PageCompression, int> CompressionsAndSeeds()
    {
        var data = new TheoryData<PageCompression, int>();
        foreach (var compression in Enum.GetValues<PageCompression>())
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                data.Add(compression, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CompressionsAndSeeds))]
    public void Kdump_round_trip_keeps_states_and_bytes(PageCompression compression, int seed)
    {
        using var dir = new TempDirectory();
        var source = new SyntheticDump(SyntheticMemory.Random(seed, 6000 + (ulong)(seed * 1000)));
        var path = dir.File("dump");
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(source, output, OutputFormat.Kdump, compression);
        }

        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.Equal(compression, dump.Header.Compression);
        Assert.False(dump.Header.IsIncomplete);
        Assert.Equal(6, dump.Header.HeaderVersion);
        Assert.Equal(2, dump.Header.NrCpus);
        Assert.Equal(1700000000, dump.Header.TimestampSeconds);
        Assert.Equal(16777216UL, dump.Header.PhysBase);
        Assert.Equal("6.1.0-test", dump.VmcoreInfo!.OsRelease);
        Assert.Equal([1, 0], dump.Cpus.Select(c => c.Pid));
        AssertSameMemory(source.Memory, dump.Memory);
        if (compression != PageCompression.None)
        {
            Assert.True(new FileInfo(path).Length < ((SyntheticMemory)source.Memory).Pages.Count * 4096L * 3 / 4, "compression saved nothing");
        }
    }

    [Theory]
    [InlineData(PageCompression.Zlib)]
    [InlineData(PageCompression.Lzo)]
    [InlineData(PageCompression.Snappy)]
    [InlineData(PageCompression.Zstd)]
    [InlineData(PageCompression.None)]
    public void Split_sets_read_as_one_in_any_order(PageCompression compression)
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(11, 9000);
        var source = new SyntheticDump(memory);
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

        ulong[] bounds = [0, 2500, 2501, 7000, memory.MaxPfn];
        var paths = new List<string>();
        for (var part = 0; part < bounds.Length - 1; part++)
        {
            var path = dir.File($"part{part}");
            paths.Add(path);
            using var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0);
            using var writer = new KdumpWriter(output, new KdumpWriterOptions
            {
                Compression = compression,
                MaxMapnr = memory.MaxPfn,
                Present = present,
                Dumped = dumped,
                Notes = source.Notes,
                SplitRange = (bounds[part], bounds[part + 1]),
            });
            var copied = PageCopy.Run(writer, new PageSource(memory, "synthetic"), dumped, bounds[part], bounds[part + 1], new PipelineOptions(DetectZeroPages: true, Workers: 2, ChunkPages: 64), progress: null);
            Assert.Equal(dumped.Count(bounds[part], bounds[part + 1]), copied.PagesWritten);
        }

        paths.Reverse();
        using var dump = DumpOpener.Open(paths);
        AssertSameMemory(memory, dump.Memory);

        // One part alone: its pages read, the others' dumped pages are missing, not zeros.
        using var alone = DumpOpener.Open(paths[^1]);
        var outside = dumped.NextSet(bounds[1]);
        Assert.Equal(PageState.Incomplete, alone.Memory.GetPageState(outside));
        Assert.Equal(memory.GetPageState(dumped.NextSet(0)) == PageState.Zero ? PageState.Zero : PageState.Present, alone.Memory.GetPageState(dumped.NextSet(0)));
    }

    [Theory]
    [InlineData(PageCompression.Lzo)]
    [InlineData(PageCompression.Zstd)]
    public void Flattened_stream_to_a_pipe_reassembles_to_the_same_dump(PageCompression compression)
    {
        using var dir = new TempDirectory();
        var source = new SyntheticDump(SyntheticMemory.Random(21, 5000));
        var flatPath = dir.File("flat");
        using (var pipe = new NonSeekableStream(File.Create(flatPath)))
        {
            DumpConverter.Convert(source, pipe, OutputFormat.Flat, compression);
        }

        Assert.Equal(DumpFormat.Flattened, DumpOpener.Probe(flatPath));
        using (var dump = DumpOpener.Open(flatPath))
        {
            Assert.Equal(DumpFormat.Flattened, dump.Format);
            Assert.Equal(flatPath, dump.Path);
            AssertSameMemory(source.Memory, dump.Memory);
        }

        var normal = dir.File("normal");
        using (var output = new FileStream(normal, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(source, output, OutputFormat.Kdump, compression);
        }

        FlattenedReader.Reassemble(flatPath, dir.File("reassembled"));
        Assert.Equal(File.ReadAllBytes(normal), File.ReadAllBytes(dir.File("reassembled")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Elf_round_trip_keeps_bytes_and_notes(bool viaPipe)
    {
        using var dir = new TempDirectory();
        var source = new SyntheticDump(SyntheticMemory.Random(31, 7000));
        var path = dir.File("core");
        using (var file = File.Create(path))
        using (var output = viaPipe ? (Stream)new NonSeekableStream(file) : file)
        {
            DumpConverter.Convert(source, output, OutputFormat.Elf, PageCompression.None);
        }

        using var dump = DumpOpener.Open(path);
        Assert.Equal(DumpFormat.Elf, dump.Format);
        Assert.Equal(source.VmcoreInfo!.Text, dump.VmcoreInfo!.Text);
        Assert.Equal([1, 0], dump.Cpus.Select(c => c.Pid));
        var memory = (SyntheticMemory)source.Memory;
        var page = new byte[4096];
        foreach (var (pfn, bytes) in memory.Pages)
        {
            if (memory.GetPageState(pfn) == PageState.Excluded)
            {
                Assert.Equal(PageState.NotInDump, dump.Memory.GetPageState(pfn));
                continue;
            }

            Assert.True(dump.Memory.TryRead(pfn * 4096, page, out var failure), failure.ToString());
            Assert.Equal(bytes, page);
        }
    }

    [Theory]
    [InlineData(PageCompression.None, PageCompression.Zlib)]
    [InlineData(PageCompression.Zstd, PageCompression.Zstd)]
    [InlineData(PageCompression.Snappy, PageCompression.None)]
    [InlineData(PageCompression.Lzo, PageCompression.Lzo)]
    public void Kdump_to_kdump_keeps_pages_and_copies_stored_bytes_only_within_one_compression(PageCompression first, PageCompression second)
    {
        using var dir = new TempDirectory();
        var source = new SyntheticDump(SyntheticMemory.Random(61, 4000));
        var a = dir.File("a");
        var b = dir.File("b");
        using (var output = new FileStream(a, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(source, output, OutputFormat.Kdump, first);
        }

        using (var input = DumpOpener.Open(a))
        using (var output = new FileStream(b, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(input, output, OutputFormat.Kdump, second);
        }

        using var result = (KdumpDump)DumpOpener.Open(b);
        Assert.Equal(second, result.Header.Compression);
        AssertSameMemory(source.Memory, result.Memory);
        if (first == second)
        {
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        }
        else if (second != PageCompression.None)
        {
            Assert.True(new FileInfo(b).Length < new FileInfo(a).Length * 3 / 4, "the raw pages were not compressed");
        }
    }

    [Fact]
    public void Writes_must_come_in_pfn_order_and_complete_needs_every_page()
    {
        var memory = SyntheticMemory.Random(41, 2000);
        var dumped = new PfnBitmap(2000);
        dumped[10] = true;
        dumped[20] = true;
        using var output = new MemoryStream();
        using var writer = new KdumpWriter(output, new KdumpWriterOptions { Compression = PageCompression.Zlib, MaxMapnr = 2000, Present = dumped, Dumped = dumped });
        Assert.Throws<InvalidOperationException>(() => writer.WritePage(20, PageEncoding.Zero, []));
        writer.WritePage(10, PageEncoding.Zero, []);
        Assert.Throws<InvalidOperationException>(() => writer.Complete());
        Assert.Throws<InvalidOperationException>(() => writer.WritePage(11, PageEncoding.Zero, []));
        Assert.Throws<ArgumentException>(() => writer.WritePage(20, PageEncoding.Raw, new byte[100]));
        Assert.Throws<ArgumentException>(() => writer.WritePage(20, PageEncoding.Zero, new byte[4096]));
    }

    [Fact]
    public void A_copy_points_at_a_page_stored_earlier_and_reads_as_its_bytes()
    {
        var dumped = new PfnBitmap(100);
        dumped[10] = true;
        dumped[20] = true;
        dumped[30] = true;
        var page = new byte[4096];
        new Random(7).NextBytes(page);
        using var output = new MemoryStream();
        using (var writer = new KdumpWriter(output, new KdumpWriterOptions { Compression = PageCompression.Lzo, MaxMapnr = 100, Present = dumped, Dumped = dumped }))
        {
            var stored = writer.WritePage(10, PageEncoding.Raw, page)!.Value;
            Assert.Throws<ArgumentException>(() => writer.WriteCopy(20, stored with { Offset = stored.Offset + 4096 }));
            Assert.Throws<ArgumentException>(() => writer.WriteCopy(20, stored with { Offset = writer.DataOffset }));
            writer.WriteCopy(20, stored);
            writer.WriteCopy(30, stored);
            writer.Complete();
        }

        using var dir = new TempDirectory();
        using var dump = DumpOpener.Open(dir.Write("copies", output.ToArray()));
        var back = new byte[4096];
        foreach (var pfn in new ulong[] { 10, 20, 30 })
        {
            Assert.Equal(PageState.Present, dump.Memory.GetPageState(pfn));
            Assert.True(dump.Memory.TryRead(pfn * 4096, back, out _));
            Assert.Equal(page, back);
        }
    }

    [Theory]
    [InlineData(3)] // below the direct-write size: copied through the data buffer
    [InlineData(600)] // past it (and past the whole buffer): written in one piece from the run
    public void A_run_of_stored_pages_gives_the_bytes_of_writing_them_one_by_one(int pages)
    {
        // Every third page zero, every other one compressed (LZO), the rest raw.
        var random = new Random(pages);
        var dumped = new PfnBitmap((ulong)pages * 2);
        var pfns = new ulong[pages];
        var lengths = new int[pages];
        var compressed = new bool[pages];
        var stored = new List<byte[]>();
        var lzo = PageCodecs.CreateCompressor(PageCompression.Lzo, 4096);
        for (var i = 0; i < pages; i++)
        {
            pfns[i] = (ulong)i * 2;
            dumped[pfns[i]] = true;
            var page = new byte[4096];
            if (i % 3 == 0)
            {
                stored.Add([]);
                continue;
            }

            random.NextBytes(page.AsSpan(0, i % 2 == 0 ? 4096 : 300));
            var buffer = new byte[8192];
            var written = 0;
            compressed[i] = i % 2 == 1 && lzo.TryCompress(page, buffer, out written) && written < 4096;
            stored.Add(compressed[i] ? buffer[..written] : page);
            lengths[i] = stored[i].Length;
        }

        byte[] Write(bool asRun)
        {
            using var output = new MemoryStream();
            using (var writer = new KdumpWriter(output, new KdumpWriterOptions { Compression = PageCompression.Lzo, MaxMapnr = dumped.Bits, Present = dumped, Dumped = dumped }))
            {
                var encodings = Enumerable.Range(0, pages).Select(i => lengths[i] == 0 ? PageEncoding.Zero : compressed[i] ? PageEncoding.Compressed : PageEncoding.Raw).ToArray();
                if (asRun)
                {
                    writer.WritePages(pfns, encodings, lengths, stored.SelectMany(b => b).ToArray());
                    Assert.Equal(pages < 10, stored.Sum(b => b.Length) < writer.DirectRunBytes);
                }
                else
                {
                    for (var i = 0; i < pages; i++)
                    {
                        writer.WritePage(pfns[i], encodings[i], stored[i]);
                    }
                }

                writer.Complete();
            }

            return output.ToArray();
        }

        var oneByOne = Write(asRun: false);
        Assert.Equal(oneByOne, Write(asRun: true));

        // And the pages read back.
        using var dir = new TempDirectory();
        using var dump = DumpOpener.Open(dir.Write("run", oneByOne));
        var back = new byte[4096];
        for (var i = 0; i < pages; i++)
        {
            Assert.True(dump.Memory.TryRead(pfns[i] * 4096, back, out _));
            Assert.Equal(lengths[i] == 0, !back.AsSpan().ContainsAnyExcept((byte)0));
        }
    }

    [Fact]
    public void A_run_whose_lengths_do_not_add_up_to_its_bytes_is_refused_before_anything_is_written()
    {
        var dumped = new PfnBitmap(10);
        dumped.SetRange(0, 2);
        using var output = new MemoryStream();
        using var writer = new KdumpWriter(output, new KdumpWriterOptions { Compression = PageCompression.Lzo, MaxMapnr = 10, Present = dumped, Dumped = dumped });
        Assert.Throws<ArgumentException>(() => writer.WritePages([0, 1], [PageEncoding.Raw, PageEncoding.Raw], [4096, 4096], new byte[4096]));
        Assert.Throws<ArgumentException>(() => writer.WritePages([0, 1], [PageEncoding.Raw, PageEncoding.Raw], [4096, 100], new byte[4196]));
        Assert.Throws<ArgumentException>(() => writer.WritePages([0, 1], [PageEncoding.Raw], [4096, 4096], new byte[8192]));
        Assert.Equal(0, writer.PagesWritten);
    }

    internal static void AssertSameMemory(IPhysicalMemory expected, IPhysicalMemory actual)
    {
        var a = new byte[expected.PageSize];
        var b = new byte[expected.PageSize];
        for (ulong pfn = 0; pfn < expected.MaxPfn + 10; pfn++)
        {
            var state = expected.GetPageState(pfn);
            var got = actual.GetPageState(pfn);
            if (state == PageState.Present && got == PageState.Zero)
            {
                Assert.Fail($"pfn 0x{pfn:x}: present page read back as zero");
            }

            Assert.True(state == got, $"pfn 0x{pfn:x}: expected {state}, got {got}");
            if (state is PageState.Present or PageState.Zero)
            {
                Assert.True(expected.TryRead(pfn * (ulong)expected.PageSize, a, out _));
                Assert.True(actual.TryRead(pfn * (ulong)expected.PageSize, b, out var failure), failure.ToString());
                Assert.True(a.AsSpan().SequenceEqual(b), $"pfn 0x{pfn:x}: bytes differ");
            }
        }

        // Unaligned reads across page boundaries go through the per-thread page cache.
        var pages = expected.Ranges.SelectMany(r => new[] { r.StartPfn }).Take(50);
        foreach (var pfn in pages)
        {
            if (expected.GetPageState(pfn) is PageState.Present or PageState.Zero && expected.GetPageState(pfn + 1) is PageState.Present or PageState.Zero)
            {
                var x = new byte[300];
                var y = new byte[300];
                var address = ((pfn + 1) * (ulong)expected.PageSize) - 100;
                Assert.True(expected.TryRead(address, x, out _));
                Assert.True(actual.TryRead(address, y, out _));
                Assert.Equal(x, y);
            }
        }
    }
}
