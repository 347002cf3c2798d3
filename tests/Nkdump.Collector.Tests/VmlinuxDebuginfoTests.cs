using Nkdump.Collector.Cli;
using Nkdump.Collector.Debuginfo;
using Nkdump.Collector.Filtering;
using Nkdump.Formats;
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
    private const string Fixture = VmlinuxFixture.Fixture;

    [Fact]
    public void Computed_entries_equal_the_kernels_vmcoreinfo()
    {
        using var withInfo = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var stripped = DumpOpener.Open(VmlinuxFixture.VmcoreWithoutVmcoreInfo());
        var computed = VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(VmlinuxFixture.Vmlinux()), stripped);
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

        // What page filtering needs is all there.
        foreach (var key in new[]
        {
            "OSRELEASE", "KERNELOFFSET", "SYMBOL(init_top_pgt)", "SYMBOL(mem_section)", "LENGTH(mem_section)", "SIZE(page)",
            "OFFSET(page.flags)", "OFFSET(page._refcount)", "OFFSET(page.compound_head)", "NUMBER(PG_slab)", "NUMBER(PG_head_mask)",
            "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)", "NUMBER(HUGETLB_PAGE_DTOR)", "LENGTH(zone.free_area)",
        })
        {
            Assert.True(computed.Get(key) == real.Get(key), $"{key}: {computed.Get(key)} vs {real.Get(key)}");
        }
    }

    [Theory]
    [InlineData(31)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(16)]
    public void A_dump_without_vmcoreinfo_keeps_the_same_pages_with_x(int level)
    {
        using var withInfo = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var stripped = DumpOpener.Open(VmlinuxFixture.VmcoreWithoutVmcoreInfo());
        Assert.Null(stripped.VmcoreInfo);
        var computed = VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(VmlinuxFixture.Vmlinux()), stripped);

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
        Run(["-l", "-d", "31", "-x", VmlinuxFixture.Vmlinux(), VmlinuxFixture.VmcoreWithoutVmcoreInfo(), withX]);
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

    [Fact]
    public void X_and_i_together_are_a_usage_error()
    {
        var e = Assert.Throws<CollectUsageException>(() => CollectArguments.Parse(["-x", "vmlinux", "-i", "info", "in", "out"]));
        Assert.Contains("-i and -x", e.Message);
    }

    private static void Run(string[] args) =>
        new CollectRunner(CollectArguments.Parse(["--message-level", "0", .. args]), TextWriter.Null, () => Stream.Null).Run();
}
