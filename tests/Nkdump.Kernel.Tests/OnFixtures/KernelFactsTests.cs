using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Kernel.Memory;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

/// <summary>
/// Each kernel fact is worked out in one place (the session) and comes out the same from every form
/// of the crash: ELF, kdump-compressed (zlib, zstd, snappy) and flattened.
/// </summary>
public class KernelFactsTests
{
    [Theory]
    [MemberData(nameof(FixtureVariants.All), MemberType = typeof(FixtureVariants))]
    public void PhysBaseIsTheSameFromEverySource(string fixture, string variant)
    {
        using var elf = ElfVmcore.Open(Fixtures.ElfVmcore(fixture));
        var text = DumpTextMap.First(elf) ?? throw new InvalidOperationException("no text-map PT_LOAD");
        var info = elf.VmcoreInfo!;
        var fromVmcoreInfo = (ulong)info.Number("phys_base")!.Value;
        Assert.Equal(fromVmcoreInfo, DumpTextMap.PhysBaseOf(text));
        Assert.Equal(fromVmcoreInfo, PhysBaseSearch.Find(elf.Memory, info.Symbol("init_top_pgt")!.Value, false, 0, X86_64Constants.DefaultKernelImageSize));

        using var session = KernelSession.Open(FixtureVariants.FileOf(fixture, variant));
        Assert.Equal(new PhysBaseFact(fromVmcoreInfo, LayoutSource.VmcoreInfo), session.PhysBaseFact);
        Assert.Equal(fromVmcoreInfo, session.Kernel.Layout.PhysBase);

        // Without NUMBER(phys_base): the ELF text map's PT_LOAD, else the page-table search, say the same.
        var stripped = Strip(info, "NUMBER(phys_base)");
        Assert.Equal(new PhysBaseFact(fromVmcoreInfo, LayoutSource.DumpHeader), PhysBaseFinder.Find(elf.Memory, stripped, text));
        Assert.Equal(new PhysBaseFact(fromVmcoreInfo, LayoutSource.Derived), PhysBaseFinder.Find(session.Dump.Memory, stripped, null));
        using var withoutNumber = KernelSession.Open(FixtureVariants.FileOf(fixture, variant), new KernelSessionOptions { VmcoreInfo = stripped });
        Assert.Equal(fromVmcoreInfo, withoutNumber.PhysBase);
        Assert.Equal(variant == FixtureVariants.Elf ? LayoutSource.DumpHeader : LayoutSource.Derived, withoutNumber.PhysBaseFact!.Source);
    }

    /// <summary>Kernels before 5.11 export no OFFSET(uts_namespace.name): the name is where OSRELEASE's release is.</summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void UtsnameIsFoundWithoutItsVmcoreInfoOffset(string fixture)
    {
        using var elf = ElfVmcore.Open(Fixtures.ElfVmcore(fixture));
        using var full = KernelSession.For(elf);
        using var stripped = KernelSession.For(elf, new KernelSessionOptions { VmcoreInfo = Strip(elf.VmcoreInfo!, "OFFSET(uts_namespace.name)") });
        Assert.NotNull(full.Utsname);
        Assert.Equal(full.Utsname, stripped.Utsname);
    }

    [Theory]
    [MemberData(nameof(FixtureVariants.All), MemberType = typeof(FixtureVariants))]
    public void UtsnameTaintTimeAndCrashingCpu(string fixture, string variant)
    {
        using var session = KernelSession.Open(FixtureVariants.FileOf(fixture, variant));
        var uts = File.ReadAllLines(Fixtures.Expected(fixture, "uts.txt")).Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);
        var read = session.Utsname ?? throw new InvalidOperationException(session.UtsnameProblem);
        Assert.Equal((uts["sysname"], uts["nodename"], uts["release"], uts["version"], uts["machine"]), (read.SysName, read.NodeName, read.Release, read.Version, read.Machine));
        Assert.Equal(uts["release"], session.Release);
        Assert.Equal(0UL, session.TaintMask);
        Assert.Equal(session.VmcoreInfo!.CrashTime, session.CrashTime!.Value.ToUnixTimeSeconds());

        // fixtures/README.md: sysrq c from PID 1 (init) on CPU 0.
        var cpu = session.CrashingCpu!;
        Assert.Null(session.CrashingCpuProblem);
        Assert.Equal((0, 1, "init"), (cpu.Cpu, cpu.Pid, cpu.Comm));
        Assert.StartsWith("__crash_kexec+0x", cpu.InstructionPointerSymbol);
    }

    /// <summary>The header facts from an ELF vmcore are the ones makedumpfile wrote into its kdump files (the fixture's and a flattened one).</summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void HeaderFactsAreMakedumpfiles(string fixture)
    {
        using var elf = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var facts = elf.KdumpHeaderFacts();
        foreach (var file in Fixtures.KdumpFiles(fixture).Append(FixtureVariants.FileOf(fixture, FixtureVariants.Flattened)))
        {
            using var dump = DumpOpener.Open(file);
            var kdump = Assert.IsType<KdumpDump>(dump);
            var header = kdump.Header;
            Assert.Equal(header.Utsname, facts.Utsname);
            Assert.Equal(header.TimestampSeconds, facts.TimestampSeconds);
            Assert.Equal(header.PhysBase, facts.PhysBase);

            // From a kdump source the header is carried over as it is.
            Assert.Equal(Formats.Writing.KdumpHeaderFacts.From(header), KernelSession.For(kdump).KdumpHeaderFacts());
        }
    }

    /// <summary>The ELF text map an output gets: the vmcore's own PT_LOAD, or _stext placed by phys_base, the same bytes.</summary>
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void ElfTextMapAgreesAcrossFormats(string fixture)
    {
        using var elf = KernelSession.Open(Fixtures.ElfVmcore(fixture));
        var own = elf.ElfVirtualLayout();
        var text = DumpTextMap.First(elf.Dump)!.Value;
        Assert.Equal(text.VirtualAddress, own.Aliases[0].VirtualAddress);
        Assert.NotNull(own.DirectMapBase);

        using var kdump = KernelSession.Open(FixtureVariants.FileOf(fixture, FixtureVariants.Flattened));
        var derived = kdump.ElfVirtualLayout();
        var alias = Assert.Single(derived.Aliases);
        var stext = kdump.VmcoreInfo!.Symbol("_stext")!.Value;
        Assert.Equal(stext, alias.VirtualAddress);
        Assert.Equal(stext - text.VirtualAddress + text.PhysicalAddress, alias.PhysicalAddress);
        Assert.Null(derived.DirectMapBase);
    }

    private static VmcoreInfo Strip(VmcoreInfo info, string key) =>
        VmcoreInfo.Parse(System.Text.Encoding.ASCII.GetBytes(string.Concat(info.Entries.Where(e => e.Key != key).Select(e => $"{e.Key}={e.Value}\n"))));
}
