using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// <see cref="IPhysicalMemory.SameStateEnd"/>: the runs it reports hold one page state each, so a pass
/// over every frame (the collector's -d 0/-d 1 bitmap) may ask once per run, and an ELF core's
/// runs follow its segments rather than its pages.
/// </summary>
public sealed class SameStateRunTests
{
    /// <summary>Walks 0 .. MaxPfn+2 by runs; every frame of a run has the run's first state. Returns the run count.</summary>
    private static int WalkRuns(IPhysicalMemory memory)
    {
        var runs = 0;
        for (ulong pfn = 0; pfn < memory.MaxPfn + 2;)
        {
            var state = memory.GetPageState(pfn);
            var end = memory.SameStateEnd(pfn);
            Assert.True(end > pfn, $"run at pfn 0x{pfn:x} ends at 0x{end:x}");
            for (var inside = pfn; inside < end; inside++)
            {
                Assert.True(state == memory.GetPageState(inside), $"pfn 0x{inside:x} is {memory.GetPageState(inside)}, its run from 0x{pfn:x} {state}");
            }

            runs++;
            pfn = end;
        }

        return runs;
    }

    private static byte[] Bytes(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    [Fact]
    public void Runs_of_a_core_with_gaps_unaligned_zero_tails_and_overlaps_hold_one_state()
    {
        using var dir = new TempDirectory();
        var core = new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n")
            .Load(0x10000, Bytes(0x1800), memSize: 0x4800)           // data, then a zero tail ending mid-page
            .Load(0x30000, Bytes(0x5000))
            .Load(0x32000, Bytes(0x1000), vaddr: 0xffffffff81000000) // an alias inside the segment above
            .Load(0x35800, Bytes(0x2000))                             // starts mid-page, right after a gap
            .Build();
        using var dump = DumpOpener.Open(dir.Write("core", core));
        var runs = WalkRuns(dump.Memory);
        Assert.InRange(runs, 4, 12);
    }

    [Fact]
    public void Runs_of_a_cut_off_core_marked_incomplete_hold_one_state()
    {
        using var dir = new TempDirectory();
        var second = Bytes(0x8000);
        var core = new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n").Load(0x100000, Bytes(0x3000)).Load(0x200000, second).Build();
        var cut = core[..(core.AsSpan().IndexOf(second) + 0x2800)];
        BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(48), 1); // e_flags: DUMP_ELF_INCOMPLETE
        using var dump = DumpOpener.Open(dir.Write("core", cut));
        Assert.Equal(PageState.Incomplete, dump.Memory.GetPageState(0x203));
        WalkRuns(dump.Memory);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void A_fixture_vmcore_has_a_few_runs_per_segment(string fixture)
    {
        using var dump = (Nkdump.Formats.Elf.ElfVmcore)DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var runs = WalkRuns(dump.Memory);
        Assert.InRange(runs, 2, (2 * dump.Segments.Count) + 2);
    }
}
