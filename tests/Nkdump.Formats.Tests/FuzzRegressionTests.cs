using Nkdump.Formats.Info;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>Inputs the fuzzer (fuzz/README.md) found, minimized and rebuilt here: each once hung or threw.</summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public async Task Info_counts_a_huge_zero_tail_in_one_step()
    {
        // elf-core, hang: a PT_LOAD of one page whose p_memsz claims 2^50 bytes. `nkdump info` counted
        // its 2^38 page frames one by one and never returned.
        using var dir = new TempDirectory();
        var path = dir.Write("core", new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n").Load(0x1000000, new byte[4096], memSize: 1UL << 50).Build());
        using var dump = DumpOpener.Open(path);
        var counts = await Task.Run(() => DumpInfo.CountPages(dump.Memory)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1L << 38, counts.Present);
        Assert.Equal(1L << 38, counts.Dumped);
    }

    // The long run of 2026-12-07 (docs/FUZZING.md) found this hang; PT_LOADs past 52-bit physical
    // addresses are refused since the sparse-bitmap change (issue 17, finding 2).
    [Fact]
    public async Task A_PT_LOAD_ending_in_the_last_page_of_the_address_space_is_refused_not_a_hang()
    {
        // elf-core, hang: a PT_LOAD whose p_paddr + p_memsz is 0xffffffffffffff00, behind one whose zero
        // tail spans 2^34 page frames. Rounding the first end up to a page frame overflowed, max_pfn
        // became 0, SameStateEnd answered pfn + 1 everywhere and `nkdump info` walked the 2^34 frames
        // of the range one at a time.
        using var dir = new TempDirectory();
        var core = new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n")
            .Load(0, new byte[4096], memSize: 1UL << 46)
            .Load(0x1000, new byte[4096], memSize: 0xffffffffffffff00 - 0x1000);
        var path = dir.Write("core", core.Build());
        var count = Task.Run(() =>
        {
            using var dump = DumpOpener.Open(path);
            return DumpInfo.CountPages(dump.Memory);
        });
        var error = await Assert.ThrowsAsync<DumpFormatException>(() => count.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("p_memsz 0xffffffffffffef00", error.Message);
    }
}
