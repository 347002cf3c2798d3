using Nkdump.Formats;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Issue 17, finding 8: PT_LOAD segments that start or end inside a page. The bytes the core has are
/// read as they are, the rest of such a page reads as zeros, and the page is
/// <see cref="PageState.Partial"/>: never "not in the dump" (its bytes would be lost) and never
/// "present" (it is not all there).
/// </summary>
public sealed class ElfPartialPageTests
{
    private const int Page = 4096;

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);

        // No zero byte, so that a zero in a page read back can only come from outside the segments.
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] |= 1;
        }

        return bytes;
    }

    /// <summary>The core's page <paramref name="pfn"/> as TryRead gives it (which must succeed).</summary>
    private static byte[] ReadPage(IPhysicalMemory memory, ulong pfn)
    {
        var page = new byte[Page];
        Assert.True(memory.TryRead(pfn * Page, page, out var failure), failure.ToString());
        return page;
    }

    /// <summary>A page of zeros with <paramref name="parts"/> (offset in page, bytes) laid in.</summary>
    private static byte[] Expected(params (int Offset, byte[] Bytes)[] parts)
    {
        var page = new byte[Page];
        foreach (var (offset, bytes) in parts)
        {
            bytes.CopyTo(page, offset);
        }

        return page;
    }

    private static IKernelDump Open(TempDirectory dir, ElfCoreBuilder builder) =>
        DumpOpener.Open(dir.Write("core", builder.VmcoreInfo("PAGESIZE=4096\n").Build()));

    [Fact]
    public void A_segment_ending_inside_a_page_keeps_that_pages_bytes()
    {
        using var dir = new TempDirectory();
        var data = Pattern(0x1c00, 1);
        using var dump = Open(dir, new ElfCoreBuilder().Load(0x1000, data));
        var memory = dump.Memory;
        Assert.Equal(PageState.Present, memory.GetPageState(1));
        Assert.Equal(PageState.Partial, memory.GetPageState(2));
        Assert.Equal(PageState.NotInDump, memory.GetPageState(3));
        Assert.Equal([new PfnRange(1, 3)], memory.Ranges);
        Assert.Equal(3UL, memory.MaxPfn);
        Assert.Equal(data[..Page], ReadPage(memory, 1));
        Assert.Equal(Expected((0, data[Page..])), ReadPage(memory, 2));
        Assert.False(memory.TryRead(0x3000, new byte[1], out var failure));
        Assert.Equal(new PhysicalReadFailure(0x3000, PageState.NotInDump), failure);
    }

    [Fact]
    public void A_segment_starting_inside_a_page_keeps_that_pages_bytes()
    {
        using var dir = new TempDirectory();
        var data = Pattern(0x1c00, 2);
        using var dump = Open(dir, new ElfCoreBuilder().Load(0x1400, data));
        var memory = dump.Memory;
        Assert.Equal(PageState.NotInDump, memory.GetPageState(0));
        Assert.Equal(PageState.Partial, memory.GetPageState(1));
        Assert.Equal(PageState.Present, memory.GetPageState(2));
        Assert.Equal([new PfnRange(1, 3)], memory.Ranges);
        Assert.Equal(Expected((0x400, data[..0xc00])), ReadPage(memory, 1));
        Assert.Equal(data[0xc00..], ReadPage(memory, 2));

        // A read of the uncovered part alone reads zeros too: the page is in the dump, partly.
        var head = new byte[0x10];
        Assert.True(memory.TryRead(0x1000, head, out _));
        Assert.All(head, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Two_segments_sharing_a_page_keep_both_parts()
    {
        using var dir = new TempDirectory();
        var first = Pattern(0x1500, 3);
        var second = Pattern(0x1300, 4);
        var touching = Pattern(0x800, 5);
        using var dump = Open(dir, new ElfCoreBuilder()
            .Load(0x10000, first)            // ends at 0x11500, inside page 0x11
            .Load(0x11d00, second)           // starts at 0x11d00 in the same page, after a gap; ends at 0x13000
            .Load(0x20000, touching)         // these two fill page 0x20 between them: all of it is there
            .Load(0x20800, touching));
        var memory = dump.Memory;
        Assert.Equal(PageState.Present, memory.GetPageState(0x10));
        Assert.Equal(PageState.Partial, memory.GetPageState(0x11));
        Assert.Equal(PageState.Present, memory.GetPageState(0x12));
        Assert.Equal(PageState.Present, memory.GetPageState(0x20));
        Assert.Equal([new PfnRange(0x10, 0x13), new PfnRange(0x20, 0x21)], memory.Ranges);
        Assert.Equal(Expected((0, first[Page..]), (0xd00, second[..0x300])), ReadPage(memory, 0x11));
        Assert.Equal([.. touching, .. touching], ReadPage(memory, 0x20));

        // One read across the shared page: the first segment, zeros for the gap, the second.
        var all = new byte[0x3000];
        Assert.True(memory.TryRead(0x10000, all, out _));
        Assert.Equal(first, all[..0x1500]);
        Assert.All(all[0x1500..0x1d00], b => Assert.Equal(0, b));
        Assert.Equal(second, all[0x1d00..]);
    }

    [Fact]
    public void A_segment_smaller_than_a_page_inside_one_page_is_kept()
    {
        using var dir = new TempDirectory();
        var data = Pattern(0x100, 6);
        using var dump = Open(dir, new ElfCoreBuilder().Load(0x5100, data));
        var memory = dump.Memory;
        Assert.Equal(PageState.Partial, memory.GetPageState(5));
        Assert.Equal([new PfnRange(5, 6)], memory.Ranges);
        Assert.Equal(6UL, memory.MaxPfn);
        Assert.Equal(Expected((0x100, data)), ReadPage(memory, 5));
        Assert.Equal(PageState.Partial, memory.GetPageState(memory.SameStateEnd(4)));
        Assert.Equal(6UL, memory.SameStateEnd(5));
    }

    [Fact]
    public void A_partial_page_has_no_page_view_span_but_reads_through_TryRead()
    {
        using var dir = new TempDirectory();
        var data = Pattern(0x1c00, 7);
        using var dump = Open(dir, new ElfCoreBuilder().Load(0x1000, data));
        using var view = dump.Memory.OpenPageView();
        Assert.NotNull(view);
        Assert.True(view.TryGetPage(1, out var whole));
        Assert.True(whole.SequenceEqual(data.AsSpan(0, Page)));
        Assert.False(view.TryGetPage(2, out _));
    }

    [Fact]
    public void A_page_of_data_then_zero_tail_then_nothing_is_partial_and_a_zero_tail_alone_is_zero()
    {
        using var dir = new TempDirectory();
        var data = Pattern(0x800, 8);
        using var dump = Open(dir, new ElfCoreBuilder()
            .Load(0x1000, data, memSize: 0xc00)        // data, zeros to 0x1c00, then nothing
            .Load(0x3100, [], memSize: 0x100));         // no data at all, inside page 3
        var memory = dump.Memory;
        Assert.Equal(PageState.Partial, memory.GetPageState(1));
        Assert.Equal(Expected((0, data)), ReadPage(memory, 1));
        Assert.Equal(PageState.Zero, memory.GetPageState(3));
        Assert.Equal(new byte[Page], ReadPage(memory, 3));
    }

    [Fact]
    public void Runs_of_states_around_partial_pages_hold_one_state()
    {
        using var dir = new TempDirectory();
        using var dump = Open(dir, new ElfCoreBuilder()
            .Load(0x10000, Pattern(0x3400, 9))
            .Load(0x13800, Pattern(0x4800, 10))
            .Load(0x18100, Pattern(0x10, 11))
            .Load(0x18200, Pattern(0x10, 12))
            .Load(0x19000, Pattern(0x2000, 13), memSize: 0x2a00)
            .Load(0x20400, Pattern(0x5000, 14)));
        var memory = dump.Memory;
        var states = new List<PageState>();
        for (ulong pfn = 0; pfn < memory.MaxPfn + 2;)
        {
            var state = memory.GetPageState(pfn);
            var end = memory.SameStateEnd(pfn);
            Assert.True(end > pfn);
            for (var inside = pfn; inside < end; inside++)
            {
                Assert.Equal(state, memory.GetPageState(inside));
            }

            states.Add(state);
            pfn = end;
        }

        Assert.Equal(PageState.Partial, memory.GetPageState(0x13));
        Assert.Equal(PageState.Partial, memory.GetPageState(0x18));
        Assert.Equal(PageState.Zero, memory.GetPageState(0x1b));
        Assert.Equal(PageState.Partial, memory.GetPageState(0x20));
        Assert.Equal(PageState.Partial, memory.GetPageState(0x25));
        Assert.Contains(PageState.Partial, states);
    }
}
