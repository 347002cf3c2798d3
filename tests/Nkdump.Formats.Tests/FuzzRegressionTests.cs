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
}
