using System.Globalization;
using Nkdump.Collector.Cli;
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

        using var source = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var address = source.VmcoreInfo!.Symbol("init_uts_ns")!.Value + (ulong)(source.VmcoreInfo.Offset("uts_namespace.name") ?? 0);
        const string script = """
            import sys, drgn
            p = drgn.Program()
            p.set_core_dump(sys.argv[1])
            b = p.read(int(sys.argv[2], 16), 6 * 65)
            for i in range(5):
                print(b[i * 65:(i + 1) * 65].split(b"\0")[0].decode())
            """;
        var result = ExternalTool.Run("/usr/bin/python3", ["-c", script, output, address.ToString("x", CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        var expected = File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.Equal(expected, result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
