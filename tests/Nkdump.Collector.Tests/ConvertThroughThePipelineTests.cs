using Nkdump.Collector.Output;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// convert is the collector's pipeline at dump level 0 (<see cref="DumpConverter"/>): every page the
/// input holds comes out with its bytes, excluded pages stay excluded, pages the input lost are left
/// out and counted; and the one writer contract (<see cref="IDumpWriter"/>) takes the same pipeline's
/// pages as kdump-compressed, ELF and flattened output alike.
/// </summary>
public sealed class ConvertThroughThePipelineTests
{
    /// <summary>Random memory (excluded, zero, random and patterned pages) in which some pages are lost: cut off, or damaged.</summary>
    private static SyntheticDump Input(int seed, bool shared)
    {
        var memory = SyntheticMemory.Random(seed, 6000);
        var present = memory.Pages.Keys.Where(p => memory.GetPageState(p) == PageState.Present).Order().ToList();
        var lost = new Dictionary<ulong, PageState>
        {
            [present[10]] = PageState.Incomplete,
            [present[200]] = PageState.Corrupt,
            [present[^3]] = PageState.Incomplete,
        };
        return new SyntheticDump(new LossyMemory(memory, lost, shared));
    }

    public static TheoryData<OutputFormat, PageCompression, bool> Conversions => new()
    {
        { OutputFormat.Kdump, PageCompression.Lzo, true },
        { OutputFormat.Kdump, PageCompression.Zlib, false },
        { OutputFormat.Kdump, PageCompression.None, true },
        { OutputFormat.Flat, PageCompression.Zstd, true },
        { OutputFormat.Flat, PageCompression.Snappy, false },
        { OutputFormat.Elf, PageCompression.None, true },
        { OutputFormat.Elf, PageCompression.None, false },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void EveryPageTheInputHoldsComesOutWithItsBytesAndTheRestIsCounted(OutputFormat format, PageCompression compression, bool shared)
    {
        using var dir = new TempDirectory();
        var input = Input(seed: 5, shared);
        var path = dir.File("out");
        ConvertResult result;
        using (var output = File.Create(path))
        {
            result = DumpConverter.Convert(input, output, format, compression, workers: 2);
        }

        var memory = input.Memory;
        var states = memory.Ranges.SelectMany(r => Enumerable.Range((int)r.StartPfn, (int)r.Count)).Select(p => ((ulong)p, memory.GetPageState((ulong)p))).ToList();
        var held = states.Where(s => s.Item2 is PageState.Present or PageState.Zero).Select(s => s.Item1).ToList();
        Assert.Equal(held.Count, result.PagesWritten);
        Assert.Equal(states.Count(s => s.Item2 == PageState.Excluded), result.ExcludedPages);
        Assert.Equal(3, result.UnreadablePages);
        var page = new byte[4096];
        var zero = held.Count(p => { Assert.True(memory.TryRead(p * 4096, page, out _)); return !page.AsSpan().ContainsAnyExcept((byte)0); });
        Assert.Equal(zero, result.ZeroPages);

        using var converted = DumpOpener.Open(path);
        Assert.Equal(format == OutputFormat.Elf ? DumpFormat.Elf : format == OutputFormat.Flat ? DumpFormat.Flattened : DumpFormat.KdumpCompressed, converted.Format);
        var expected = new byte[4096];
        foreach (var (pfn, state) in states)
        {
            var readable = converted.Memory.TryRead(pfn * 4096, page, out var failure);
            if (state is PageState.Present or PageState.Zero)
            {
                Assert.True(readable, $"pfn 0x{pfn:x}: {failure}");
                Assert.True(memory.TryRead(pfn * 4096, expected, out _));
                Assert.True(expected.AsSpan().SequenceEqual(page), $"pfn 0x{pfn:x} differs");
            }
            else
            {
                Assert.False(readable, $"pfn 0x{pfn:x} ({state}) reads in the output");
                if (state == PageState.Excluded && format != OutputFormat.Elf)
                {
                    Assert.Equal(PageState.Excluded, converted.Memory.GetPageState(pfn));
                }
            }
        }

        if (converted is KdumpDump kdump)
        {
            Assert.Equal(compression, kdump.Header.Compression);
            Assert.False(kdump.Header.IsIncomplete);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void TheOneWriterContractTakesThePipelinesPagesAsKdumpElfAndFlattened(bool elf, bool flattened)
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(9, 4000);
        var dump = new SyntheticDump(memory);
        var held = new PfnBitmap(memory.MaxPfn);
        var present = new PfnBitmap(memory.MaxPfn);
        foreach (var range in memory.Ranges)
        {
            present.SetRange(range.StartPfn, range.EndPfn);
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                held[pfn] = memory.GetPageState(pfn) is PageState.Present or PageState.Zero;
            }
        }

        var path = dir.File("out");
        using (var file = File.Create(path))
        {
            using var flat = flattened ? new FlattenedWriteStream(file, leaveOpen: true) : null;
            var writers = new DumpWriters(dump);
            using (IDumpWriter writer = elf ? writers.Elf(flat ?? (Stream)file, held) : writers.Kdump(flat ?? (Stream)file, new KdumpPages(memory.MaxPfn, present, held), PageCompression.Lzo, dumpLevel: 0))
            {
                Assert.Equal(!elf, writer.StoresCopies);
                Assert.Equal(held.Count(0, held.Bits), writer.PageCount);
                var copied = PageCopy.Run(writer, new PageSource(new SharedSyntheticMemory(memory), "synthetic"), held, 0, held.Bits, new PipelineOptions(DetectZeroPages: true, Workers: 3, ChunkPages: 32, StoreIdenticalPagesOnce: true), progress: null);
                Assert.Equal(writer.PageCount, copied.PagesWritten);
            }

            flat?.Finish();
        }

        using var written = DumpOpener.Open(path);
        // A flattened ELF file reads back as the ELF core it carries.
        Assert.Equal(elf ? DumpFormat.Elf : flattened ? DumpFormat.Flattened : DumpFormat.KdumpCompressed, written.Format);
        Assert.Equal(flattened, FlattenedSignature(path));
        Assert.Equal(dump.Notes.Count, written.Notes.Count);
        var page = new byte[4096];
        foreach (var (pfn, bytes) in memory.Pages)
        {
            if (held[pfn])
            {
                Assert.True(written.Memory.TryRead(pfn * 4096, page, out var failure), $"pfn 0x{pfn:x}: {failure}");
                Assert.Equal(bytes, page);
            }
            else
            {
                Assert.False(written.Memory.TryRead(pfn * 4096, page, out _));
            }
        }
    }

    [Fact]
    public void AnElfWriterTakesRawAndZeroPagesOnly()
    {
        var held = new PfnBitmap(8);
        held.SetRange(2, 6);
        using var output = new MemoryStream();
        using var writer = new ElfWriter(output, new ElfWriterOptions { Ranges = [new PfnRange(0, 8)], Held = held });
        Assert.Equal(PageCompression.None, writer.Compression);
        Assert.Throws<ArgumentException>(() => writer.WritePage(2, PageEncoding.Compressed, new byte[100]));
        Assert.Throws<NotSupportedException>(() => writer.WriteCopy(2, new StoredPageLocation(writer.DataOffset, 4096, 0)));
        var raw = Enumerable.Repeat((byte)7, 4096).ToArray();
        writer.WritePages([2, 3, 4], [PageEncoding.Raw, PageEncoding.Zero, PageEncoding.Raw], [4096, 0, 4096], [.. raw, .. raw]);
        Assert.Throws<InvalidOperationException>(() => writer.Complete());
        writer.WritePage(5, PageEncoding.Zero, []);
        writer.Complete();
        var bytes = output.ToArray();
        Assert.Equal(writer.DataOffset + (4 * 4096), bytes.Length);
        Assert.Equal(raw, bytes[(int)writer.DataOffset..][..4096]);
        Assert.All(bytes[((int)writer.DataOffset + 4096)..((int)writer.DataOffset + 8192)], b => Assert.Equal(0, b));
        Assert.Equal(raw, bytes[((int)writer.DataOffset + 8192)..][..4096]);
    }

    private static bool FlattenedSignature(string path)
    {
        var head = new byte[12];
        using var file = File.OpenRead(path);
        file.ReadExactly(head);
        return head.AsSpan().SequenceEqual("makedumpfile"u8);
    }

    /// <summary>Memory that lost some pages (cut off, or damaged), and that reads from one thread or several.</summary>
    private sealed class LossyMemory(SyntheticMemory inner, Dictionary<ulong, PageState> lost, bool shared) : IPhysicalMemory
    {
        public int PageSize => inner.PageSize;

        public ulong MaxPfn => inner.MaxPfn;

        public IReadOnlyList<PfnRange> Ranges => inner.Ranges;

        public bool ConcurrentReads => shared;

        public PageState GetPageState(ulong pfn) => lost.TryGetValue(pfn, out var state) ? state : inner.GetPageState(pfn);

        public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
        {
            if (lost.TryGetValue(physicalAddress / 4096, out var state))
            {
                failure = new PhysicalReadFailure(physicalAddress, state);
                return false;
            }

            return inner.TryRead(physicalAddress, destination, out failure);
        }
    }
}
