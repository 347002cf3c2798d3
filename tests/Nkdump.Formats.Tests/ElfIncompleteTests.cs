using System.Buffers.Binary;
using Nkdump.Collector.Output;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Writing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// ELF dumps cut short: makedumpfile's DUMP_ELF_INCOMPLETE bit (e_flags bit 0) makes the reader
/// accept segments that run past the end of the file and read up to the last whole page, and the
/// writer leaves the bit set unless it wrote every page.
/// </summary>
public sealed class ElfIncompleteTests
{
    private const int EFlags = 48;

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A core with two segments; the second is cut 2.5 pages into its data.</summary>
    private static (byte[] Core, byte[] First, byte[] Second) CutCore(bool markIncomplete)
    {
        var first = Pattern(0x3000, 1);
        var second = Pattern(0x8000, 2);
        var core = new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n").Load(0x100000, first).Load(0x200000, second).Build();
        var secondOffset = core.AsSpan().IndexOf(second);
        Assert.True(secondOffset > 0);
        var cut = core[..(secondOffset + 0x2800)];
        if (markIncomplete)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(EFlags), 1);
        }

        return (cut, first, second);
    }

    [Fact]
    public void A_dump_marked_incomplete_reads_to_its_last_whole_page()
    {
        using var dir = new TempDirectory();
        var (core, first, second) = CutCore(markIncomplete: true);
        using var dump = Assert.IsType<ElfVmcore>(DumpOpener.Open(dir.Write("core", core)));
        Assert.True(dump.IsIncomplete);
        Assert.Equal(1u, dump.Flags);
        var memory = dump.Memory;
        Assert.Equal([new PfnRange(0x100, 0x103), new PfnRange(0x200, 0x208)], memory.Ranges);
        Assert.Equal(PageState.Present, memory.GetPageState(0x102));
        Assert.Equal(PageState.Present, memory.GetPageState(0x200));
        Assert.Equal(PageState.Present, memory.GetPageState(0x201));
        Assert.Equal(PageState.Incomplete, memory.GetPageState(0x202));
        Assert.Equal(PageState.Incomplete, memory.GetPageState(0x207));
        Assert.Equal(PageState.NotInDump, memory.GetPageState(0x208));

        var buffer = new byte[0x2000];
        Assert.True(memory.TryRead(0x200000, buffer, out _));
        Assert.Equal(second[..0x2000], buffer);
        Assert.True(memory.TryRead(0x100000, buffer.AsSpan(0, 0x1000), out _));
        Assert.Equal(first[..0x1000], buffer[..0x1000]);

        // The half-written page is lost as a whole; a read across the cut names its first page.
        Assert.False(memory.TryRead(0x201800, buffer, out var failure));
        Assert.Equal(new PhysicalReadFailure(0x202000, PageState.Incomplete), failure);
    }

    [Fact]
    public void A_truncated_dump_without_the_mark_is_refused_by_offset()
    {
        using var dir = new TempDirectory();
        var (core, _, _) = CutCore(markIncomplete: false);
        var e = Assert.Throws<DumpFormatException>(() => DumpOpener.Open(dir.Write("core", core)).Dispose());
        Assert.Contains("run past the end of the file", e.Message);
    }

    [Fact]
    public void A_finished_elf_dump_has_e_flags_zero_on_any_output()
    {
        var memory = Memory();
        using var seekable = new MemoryStream();
        WriteElf(memory, seekable);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(seekable.ToArray().AsSpan(EFlags)));

        using var pipe = new ForwardOnlyStream();
        WriteElf(memory, pipe);
        Assert.Equal(seekable.ToArray(), pipe.Inner.ToArray());
    }

    [Fact]
    public void A_write_that_fails_leaves_the_bytes_written_marked_incomplete()
    {
        using var dir = new TempDirectory();
        var memory = Memory();
        using var full = new FullDiskStream(limit: 0x1000 + (5 * 0x1000) + 0x800);
        var e = Assert.Throws<IOException>(() => WriteElf(memory, full));
        Assert.Contains("No space left", e.Message);

        using var dump = Assert.IsType<ElfVmcore>(DumpOpener.Open(dir.Write("core", full.ToArray())));
        Assert.True(dump.IsIncomplete);
        var page = new byte[4096];
        for (ulong pfn = 0x10; pfn < 0x15; pfn++)
        {
            Assert.True(dump.Memory.TryRead(pfn * 4096, page, out _), $"pfn 0x{pfn:x}");
            Assert.Equal(memory.Pages[pfn], page);
        }

        for (ulong pfn = 0x15; pfn < 0x30; pfn++)
        {
            Assert.Equal(PageState.Incomplete, dump.Memory.GetPageState(pfn));
        }
    }

    /// <summary>Every page of <paramref name="memory"/> as an ELF core without notes, through the collector's pipeline.</summary>
    private static void WriteElf(SyntheticMemory memory, Stream output)
    {
        var held = new PfnBitmap(memory.MaxPfn);
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                held[pfn] = memory.GetPageState(pfn) is PageState.Present or PageState.Zero;
            }
        }

        using var writer = new ElfWriter(output, new ElfWriterOptions { Ranges = memory.Ranges, Held = held });
        PageCopy.Run(writer, new PageSource(memory, "synthetic"), held, 0, held.Bits, new PipelineOptions(DetectZeroPages: false, Workers: 1), progress: null);
    }

    private static SyntheticMemory Memory()
    {
        var memory = new SyntheticMemory(0x30);
        for (ulong pfn = 0x10; pfn < 0x30; pfn++)
        {
            memory.Add(pfn, Pattern(4096, (int)pfn));
        }

        return memory;
    }

    /// <summary>A pipe: writes only, no seeking.</summary>
    private sealed class ForwardOnlyStream : Stream
    {
        public MemoryStream Inner { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);
    }

    /// <summary>A file system with room for <c>limit</c> bytes: a write past it stores what fits, then fails like ENOSPC.</summary>
    private sealed class FullDiskStream(long limit) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            var room = (int)Math.Max(0, Math.Min(count, limit - Position));
            base.Write(buffer, offset, room);
            if (room < count)
            {
                throw new IOException("No space left on device");
            }
        }
    }
}
