using Nkdump.Collector.Debuginfo;
using Nkdump.Collector.Filtering;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Printk;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// -x VMLINUX from BTF and System.map, on the 6.1 fixture: the entries it computes are the ones the
/// kernel's own VMCOREINFO has, and a dump without VMCOREINFO filtered with -x keeps exactly the page
/// frames the dump with VMCOREINFO keeps.
/// </summary>
public sealed class VmlinuxDebuginfoTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void Computed_entries_equal_the_kernels_vmcoreinfo(string fixture)
    {
        using var withInfo = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        using var stripped = DumpOpener.Open(VmlinuxFixture.VmcoreWithoutVmcoreInfo(fixture));
        var computed = VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(VmlinuxFixture.Vmlinux(fixture)), stripped);
        var real = withInfo.VmcoreInfo!;

        var compared = 0;
        var differences = new List<string>();
        foreach (var (key, value) in computed.Entries)
        {
            if (real.Get(key) is { } expected)
            {
                compared++;
                if (expected != value)
                {
                    differences.Add($"{key}: {value}, the kernel says {expected}");
                }
            }
        }

        Assert.Empty(differences);
        Assert.True(compared >= 30, $"only {compared} entries in common");

        // Every entry page filtering reads from the kernel's VMCOREINFO, -x has too.
        foreach (var key in real.Entries.Keys.Where(k => FilterKeys.Any(k.StartsWith)))
        {
            Assert.True(computed.Get(key) == real.Get(key), $"{key}: {computed.Get(key)} vs {real.Get(key)}");
        }
    }

    private static readonly string[] FilterKeys =
    [
        "OSRELEASE", "KERNELOFFSET", "PAGESIZE", "SYMBOL(init_top_pgt)", "SYMBOL(mem_section)", "LENGTH(mem_section)", "SIZE(mem_section)",
        "OFFSET(mem_section.", "SYMBOL(vmemmap)", "SIZE(page)", "OFFSET(page.", "OFFSET(folio.", "OFFSET(list_head.", "NUMBER(PG_",
        "NUMBER(PAGE_", "NUMBER(HUGETLB_PAGE_DTOR)", "LENGTH(zone.free_area)", "NUMBER(SECTION_SIZE_BITS)", "NUMBER(MAX_PHYSMEM_BITS)",
        "NUMBER(pgtable_l5_enabled)",
    ];

    public static TheoryData<string, int> FixturesAndLevels()
    {
        var data = new TheoryData<string, int>();
        foreach (var fixture in Fixtures.Names)
        {
            foreach (var level in new[] { 2, 8, 16, 31 })
            {
                data.Add(fixture, level);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixturesAndLevels))]
    public void A_dump_without_vmcoreinfo_keeps_the_same_pages_with_x(string fixture, int level)
    {
        using var withInfo = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        using var stripped = DumpOpener.Open(VmlinuxFixture.VmcoreWithoutVmcoreInfo(fixture));
        Assert.Null(stripped.VmcoreInfo);
        var computed = VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(VmlinuxFixture.Vmlinux(fixture)), stripped);

        var expected = DumpFilterPlan.Create(withInfo, (DumpLevel)level).Kept(1UL << 20);
        var ours = DumpFilterPlan.Create(stripped, (DumpLevel)level, computed).Kept(1UL << 20);
        Assert.Equal(expected.Bits, ours.Bits);
        var kept = expected.Count(0, expected.Bits);
        Assert.True(kept > 1000 && kept < (long)expected.Bits, $"{kept} kept of {expected.Bits}");
        var differing = Enumerable.Range(0, (int)expected.Bits).Where(p => expected[(ulong)p] != ours[(ulong)p]).Take(10).ToList();
        Assert.True(differing.Count == 0, "PFNs kept differently: " + string.Join(", ", differing.Select(p => $"0x{p:x}")));
    }

    [Fact]
    public void Collect_with_x_writes_the_pages_collect_with_vmcoreinfo_writes()
    {
        using var dir = new TempDirectory();
        var withX = dir.File("with-x");
        var withInfo = dir.File("with-info");
        Run(["-l", "-d", "31", "-x", VmlinuxFixture.Vmlinux(Fixture), VmlinuxFixture.VmcoreWithoutVmcoreInfo(Fixture), withX]);
        Run(["-l", "-d", "31", Fixtures.ElfVmcore(Fixture), withInfo]);

        using var a = DumpOpener.Open(withInfo);
        using var b = DumpOpener.Open(withX);
        var pfns = Enumerable.Range(0, (int)a.Memory.MaxPfn).Select(p => (ulong)p)
            .Where(p => a.Memory.GetPageState(p) is PageState.Present or PageState.Zero).ToList();
        var pfnsX = Enumerable.Range(0, (int)b.Memory.MaxPfn).Select(p => (ulong)p)
            .Where(p => b.Memory.GetPageState(p) is PageState.Present or PageState.Zero).ToList();
        Assert.Equal(pfns, pfnsX);
        Assert.Equal(PageHashes.Ours(a.Memory, pfns), PageHashes.Ours(b.Memory, pfns));
    }

    [Fact]
    public void With_vmcoreinfo_in_the_dump_x_changes_nothing_in_the_output()
    {
        using var dir = new TempDirectory();
        var withX = dir.File("with-x");
        var without = dir.File("without");
        Run(["-l", "-d", "31", "-x", VmlinuxFixture.Vmlinux(Fixture), Fixtures.ElfVmcore(Fixture), withX]);
        Run(["-l", "-d", "31", Fixtures.ElfVmcore(Fixture), without]);
        Assert.True(File.ReadAllBytes(withX).AsSpan().SequenceEqual(File.ReadAllBytes(without)), "-x changed the dump");
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void The_kernel_log_reads_the_same_from_x_without_vmcoreinfo(string fixture)
    {
        using var withInfo = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        using var stripped = DumpOpener.Open(VmlinuxFixture.VmcoreWithoutVmcoreInfo(fixture));
        var computed = VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(VmlinuxFixture.Vmlinux(fixture)), stripped);
        var expected = KernelLogReader.Read(KernelContext.Open(withInfo.Memory, withInfo.VmcoreInfo));
        var ours = KernelLogReader.Read(KernelContext.Open(stripped.Memory, computed));
        Assert.Empty(ours.Problems);
        Assert.True(expected.Records.Count > 100, $"{expected.Records.Count} records");
        Assert.Equal(DmesgTextFormatter.Format(expected.Records, caller: true), DmesgTextFormatter.Format(ours.Records, caller: true));
    }

    [Fact]
    public void A_vmlinux_without_btf_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        var notVmlinux = dir.Write("vmlinux", File.ReadAllBytes("/bin/true"));
        var arguments = CollectArguments.Parse(["-d", "31", "-x", notVmlinux, "--message-level", "0", Fixtures.ElfVmcore(Fixture), dir.File("out")]);
        var e = Assert.Throws<NkdumpException>(() => new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run());
        Assert.Contains("BTF", e.Message);
        Assert.Contains(notVmlinux, e.Message);
        Assert.False(File.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Another_kernels_vmlinux_is_refused_by_build_id(bool dumpHasVmcoreInfo)
    {
        var other = Fixtures.Names.First(n => n != Fixture);
        using var dump = DumpOpener.Open(dumpHasVmcoreInfo ? Fixtures.ElfVmcore(Fixture) : VmlinuxFixture.VmcoreWithoutVmcoreInfo(Fixture));
        var e = Assert.Throws<NkdumpException>(() => VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(VmlinuxFixture.Vmlinux(other)), dump));
        Assert.Contains("is not the crashed kernel's", e.Message);
    }

    [Fact]
    public void Vmcoreinfo_from_a_file_stands_in_for_the_dumps()
    {
        using var dir = new TempDirectory();
        string text;
        using (var withInfo = DumpOpener.Open(Fixtures.ElfVmcore(Fixture)))
        {
            text = withInfo.VmcoreInfo!.Text;
        }

        var file = dir.Write("vmcoreinfo", System.Text.Encoding.ASCII.GetBytes(text));
        var withI = dir.File("with-i");
        var withInfoOut = dir.File("with-info");
        Run(["-l", "-d", "31", "-i", file, VmlinuxFixture.VmcoreWithoutVmcoreInfo(Fixture), withI]);
        Run(["-l", "-d", "31", Fixtures.ElfVmcore(Fixture), withInfoOut]);
        using var a = DumpOpener.Open(withInfoOut);
        using var b = DumpOpener.Open(withI);
        Assert.Equal(
            Enumerable.Range(0, (int)a.Memory.MaxPfn).Count(p => a.Memory.GetPageState((ulong)p) is PageState.Present or PageState.Zero),
            Enumerable.Range(0, (int)b.Memory.MaxPfn).Count(p => b.Memory.GetPageState((ulong)p) is PageState.Present or PageState.Zero));

        // A missing file is a plain failure (not an I/O error the CLI would report as a failed write).
        var missing = CollectArguments.Parse(["-d", "31", "-i", dir.File("nope"), Fixtures.ElfVmcore(Fixture), dir.File("out")]);
        var e = Assert.Throws<NkdumpException>(() => new CollectRunner(missing, TextWriter.Null, () => Stream.Null).Run());
        Assert.Contains("-i", e.Message);
    }

    [Fact]
    public void X_and_i_together_are_a_usage_error()
    {
        var e = Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(["-x", "vmlinux", "-i", "info", "in", "out"]));
        Assert.Contains("-i and -x", e.Message);
    }

    private static void Run(string[] args) =>
        new CollectRunner(CollectArguments.Parse(["--message-level", "0", .. args]), TextWriter.Null, () => Stream.Null).Run();
}
