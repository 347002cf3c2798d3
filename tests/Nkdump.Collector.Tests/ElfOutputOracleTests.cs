using System.Globalization;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// collect -E keeps /proc/vmcore's virtual addresses (the kernel text map and the direct map), as
/// makedumpfile -E does: drgn without debug info reads init_uts_ns through the page tables in it,
/// and a finished dump's e_flags carry no incomplete mark.
/// </summary>
public sealed class ElfOutputOracleTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Drgn_reads_the_utsname_from_a_filtered_elf_dump(string fixture)
    {
        using var dir = new TempDirectory();
        var output = dir.File("vmcore");
        new CollectRunner(CollectArguments.Parse(["-E", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(fixture), output]), TextWriter.Null, () => Stream.Null).Run();

        using (var elf = Assert.IsType<ElfVmcore>(DumpOpener.Open(output)))
        {
            Assert.False(elf.IsIncomplete);
            Assert.Equal(0u, elf.Flags);
            Assert.Contains(elf.Segments, s => s.IsLoad && s.VirtualAddress >= 0xffffffff80000000UL);
        }

        DrgnOracle.AssertReadsUtsname(output, fixture, addressFrom: Fixtures.ElfVmcore(fixture));
    }
}
