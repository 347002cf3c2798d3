using System.Globalization;
using System.Text.RegularExpressions;
using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The real /proc/vmcore of each fixture, checked against expected/inspect.vmcore.elf.txt (written by
/// the lab's independent Python reader) and expected/uts.txt (drgn with the debug vmlinux).
/// </summary>
public sealed partial class ElfVmcoreFixtureTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Program_headers_and_cpus_match_the_reference_reader(string fixture)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var elf = Assert.IsType<ElfVmcore>(dump);
        var inspect = File.ReadAllText(Fixtures.Expected(fixture, "inspect.vmcore.elf.txt"));

        var expectedLoads = LoadLine().Matches(inspect).Select(m => (Hex(m.Groups[1]), Hex(m.Groups[2]), Hex(m.Groups[3]), Hex(m.Groups[4]))).ToList();
        var loads = elf.Segments.Where(s => s.IsLoad).Select(s => (s.Offset, s.VirtualAddress, s.PhysicalAddress, s.FileSize)).ToList();
        Assert.Equal(expectedLoads, loads);

        var expectedCpus = CpuLine().Matches(inspect).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Hex(m.Groups[2]), Hex(m.Groups[3]))).ToList();
        Assert.Equal(2, expectedCpus.Count);
        Assert.Equal(expectedCpus, dump.Cpus.Select(c => (c.Pid, c.Registers.Rip, c.Registers.Rsp)).ToList());
        Assert.Equal([0, 1], dump.Cpus.Select(c => c.Cpu));

        // The crash came from PID 1 on CPU 0 (fixtures/README.md): a kernel-text rip, a kernel stack.
        Assert.Equal(1, dump.Cpus[0].Pid);
        Assert.True(dump.Cpus[0].Registers.Rip >= 0xffffffff80000000UL);
        Assert.Equal(dump.Cpus[0].Registers.Rip, dump.Cpus[0].Registers["rip"]);
        Assert.Equal(0x10UL, dump.Cpus[0].Registers.Cs);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Vmcoreinfo_matches_the_kernel_release(string fixture)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var release = File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Single(l => l.StartsWith("release ", StringComparison.Ordinal))[8..];
        Assert.NotNull(dump.VmcoreInfo);
        Assert.Equal(release, dump.VmcoreInfo.OsRelease);
        Assert.Equal(4096, dump.Memory.PageSize);
        Assert.NotNull(dump.VmcoreInfo.KernelOffset);
        var expectedSize = int.Parse(VmcoreInfoLine().Match(File.ReadAllText(Fixtures.Expected(fixture, "inspect.vmcore.elf.txt"))).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(expectedSize, dump.Notes.Single(n => n.Name == "VMCOREINFO").Descriptor.Length);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Physical_reads_follow_p_paddr_and_the_text_map_repeats_the_direct_map(string fixture)
    {
        var path = Fixtures.ElfVmcore(fixture);
        using var dump = (ElfVmcore)DumpOpener.Open(path);
        var memory = dump.Memory;
        var loads = dump.Segments.Where(s => s.IsLoad).ToList();
        var text = loads[0];
        Assert.True(text.VirtualAddress >= 0xffffffff80000000UL, "the first PT_LOAD is the kernel text map");
        var direct = loads.Skip(1).Single(s => s.PhysicalAddress <= text.PhysicalAddress && text.PhysicalAddress + text.MemorySize <= s.PhysicalAddress + s.MemorySize);

        using var raw = File.OpenRead(path);
        var fromText = new byte[4096];
        var fromDirect = new byte[4096];
        var viaReader = new byte[4096];
        foreach (var delta in new ulong[] { 0, 0x1000, text.FileSize - 0x1000 })
        {
            raw.Position = (long)(text.Offset + delta);
            raw.ReadExactly(fromText);
            raw.Position = (long)(direct.Offset + (text.PhysicalAddress - direct.PhysicalAddress) + delta);
            raw.ReadExactly(fromDirect);
            Assert.Equal(fromText, fromDirect);
            Assert.True(memory.TryRead(text.PhysicalAddress + delta, viaReader, out _));
            Assert.Equal(fromDirect, viaReader);
        }

        // A read across the boundary of two direct-map pages, at an odd address.
        var odd = new byte[100];
        Assert.True(memory.TryRead(direct.PhysicalAddress + 0x1000 - 37, odd, out _));
        raw.Position = (long)direct.Offset + 0x1000 - 37;
        var expected = new byte[100];
        raw.ReadExactly(expected);
        Assert.Equal(expected, odd);

        // Memory below 1 MiB is absent from /proc/vmcore: a read fails and says where.
        Assert.Equal(PageState.NotInDump, memory.GetPageState(0));
        Assert.False(memory.TryRead(0x1000, new byte[8], out var failure));
        Assert.Equal(new PhysicalReadFailure(0x1000, PageState.NotInDump), failure);
        Assert.Equal(PageState.Present, memory.GetPageState(0x100));

        var present = memory.Ranges.Sum(r => (long)r.Count);
        var expectedPages = loads.Skip(1).Sum(s => (long)(s.MemorySize / 4096));
        Assert.Equal(expectedPages, present);
        Assert.Equal((loads[^1].PhysicalAddress + loads[^1].MemorySize) / 4096, memory.MaxPfn);
    }

    private static ulong Hex(Group group) => ulong.Parse(group.Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"LOAD off=0x([0-9a-f]+) vaddr=0x([0-9a-f]+) paddr=0x([0-9a-f]+) filesz=0x([0-9a-f]+)")]
    private static partial Regex LoadLine();

    [GeneratedRegex(@"note CORE\s+type=0x1 descsz=336 pid=(\d+) rip=0x([0-9a-f]+) rsp=0x([0-9a-f]+)")]
    private static partial Regex CpuLine();

    [GeneratedRegex(@"note VMCOREINFO type=0x0 descsz=(\d+)")]
    private static partial Regex VmcoreInfoLine();
}
