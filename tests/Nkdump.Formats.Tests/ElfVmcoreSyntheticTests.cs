using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>ELF cores built by the test builder: zero tails, overlaps, PN_XNUM, hostile headers.</summary>
public sealed class ElfVmcoreSyntheticTests
{
    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void A_zero_tail_reads_as_zeros_and_pages_past_it_are_not_in_the_dump()
    {
        using var dir = new TempDirectory();
        var data = Pattern(0x1800, 1);
        var path = dir.Write("core", new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n").Load(0x10000, data, memSize: 0x4000).Build());
        using var dump = DumpOpener.Open(path);
        var memory = dump.Memory;
        Assert.Equal(PageState.Present, memory.GetPageState(0x10));
        Assert.Equal(PageState.Present, memory.GetPageState(0x11));
        Assert.Equal(PageState.Zero, memory.GetPageState(0x12));
        Assert.Equal(PageState.Zero, memory.GetPageState(0x13));
        Assert.Equal(PageState.NotInDump, memory.GetPageState(0x14));
        Assert.Equal(PageState.NotInDump, memory.GetPageState(0xf));
        Assert.Equal([new PfnRange(0x10, 0x14)], memory.Ranges);
        Assert.Equal(0x14UL, memory.MaxPfn);

        var buffer = new byte[0x4000];
        Assert.True(memory.TryRead(0x10000, buffer, out _));
        Assert.Equal(data, buffer[..0x1800]);
        Assert.All(buffer[0x1800..], b => Assert.Equal(0, b));

        Assert.False(memory.TryRead(0x13ff0, new byte[0x20], out var failure));
        Assert.Equal(new PhysicalReadFailure(0x14000, PageState.NotInDump), failure);
    }

    [Fact]
    public void Overlapping_segments_resolve_to_one_copy_and_holes_fail()
    {
        using var dir = new TempDirectory();
        var direct = Pattern(0x8000, 2);
        var text = direct[0x2000..0x4000];
        var path = dir.Write("core", new ElfCoreBuilder()
            .Load(0x1002000, text, vaddr: 0xffffffff81000000)
            .Load(0x1000000, direct, vaddr: 0xffff888001000000)
            .Load(0x2000000, Pattern(0x1000, 3))
            .Build());
        using var dump = DumpOpener.Open(path);
        var all = new byte[0x8000];
        Assert.True(dump.Memory.TryRead(0x1000000, all, out _));
        Assert.Equal(direct, all);
        Assert.Equal([new PfnRange(0x1000, 0x1008), new PfnRange(0x2000, 0x2001)], dump.Memory.Ranges);
        Assert.False(dump.Memory.TryRead(0x1007ff0, new byte[0x20], out var failure));
        Assert.Equal(0x1008000UL, failure.PhysicalAddress);
    }

    [Fact]
    public void More_than_65535_program_headers_use_the_count_in_section_header_0()
    {
        using var dir = new TempDirectory();
        var builder = new ElfCoreBuilder();
        var page = new byte[16];
        for (var i = 0; i < 70000; i++)
        {
            page[0] = (byte)i;
            page[1] = (byte)(i >> 8);
            builder.Load((ulong)i * 4096, (byte[])page.Clone(), memSize: 4096);
        }

        var path = dir.Write("core", builder.Build());
        using var dump = (ElfVmcore)DumpOpener.Open(path);
        Assert.Equal(70001, dump.Segments.Count);
        var two = new byte[2];
        Assert.True(dump.Memory.TryRead(69999UL * 4096, two, out _));
        Assert.Equal(new byte[] { unchecked((byte)69999), unchecked((byte)(69999 >> 8)) }, two);
        Assert.Equal(PageState.Present, dump.Memory.GetPageState(69999));
        Assert.Equal(PageState.NotInDump, dump.Memory.GetPageState(70000));
    }

    [Fact]
    public void Prstatus_registers_are_decoded_by_name()
    {
        using var dir = new TempDirectory();
        var registers = Enumerable.Range(0, 27).Select(i => 0x1000UL + (ulong)i).ToArray();
        var path = dir.Write("core", new ElfCoreBuilder().Prstatus(42, registers).Prstatus(7, registers).Load(0, new byte[4096]).Build());
        using var dump = DumpOpener.Open(path);
        Assert.Equal(2, dump.Cpus.Count);
        Assert.Equal(42, dump.Cpus[0].Pid);
        Assert.Equal(7, dump.Cpus[1].Pid);
        var regs = dump.Cpus[0].Registers;
        Assert.Equal(0x1000UL, regs.R15);
        Assert.Equal(0x1004UL, regs.Rbp);
        Assert.Equal(0x1010UL, regs.Rip);
        Assert.Equal(0x1013UL, regs.Rsp);
        Assert.Equal(0x101aUL, regs.Gs);
        Assert.Equal(regs.Rsp, regs["rsp"]);
        Assert.Null(regs["xyz"]);
        Assert.Null(dump.VmcoreInfo);
    }

    [Fact]
    public void A_segment_past_the_end_of_the_file_names_the_file_and_offset()
    {
        using var dir = new TempDirectory();
        var bytes = new ElfCoreBuilder().Load(0, Pattern(8192, 4)).Build();
        var path = dir.Write("core", bytes[..^100]);
        var error = Assert.Throws<DumpFormatException>(() => DumpOpener.Open(path));
        Assert.Equal(path, error.FilePath);
        Assert.Equal(64 + 56 + 8, error.Offset);
        Assert.Contains("past the end", error.Message);
    }

    [Fact]
    public void Truncated_headers_and_non_dumps_are_rejected_with_an_offset()
    {
        using var dir = new TempDirectory();
        var bytes = new ElfCoreBuilder().Load(0, Pattern(4096, 5)).Build();
        Assert.Equal(0, Assert.Throws<DumpFormatException>(() => DumpOpener.Open(dir.Write("short", bytes[..40]))).Offset);
        Assert.Equal(32, Assert.Throws<DumpFormatException>(() => DumpOpener.Open(dir.Write("phdrs", bytes[..100]))).Offset);
        Assert.Equal(0, Assert.Throws<DumpFormatException>(() => DumpOpener.Open(dir.Write("text", "hello, this is not a dump"u8.ToArray()))).Offset);
        Assert.Equal(0, Assert.Throws<DumpFormatException>(() => DumpOpener.Open(dir.Write("empty", []))).Offset);
        Assert.Throws<NkdumpException>(() => DumpOpener.Open(dir.File("missing")));
    }
}
