using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Tests.Synthetic;
using Nkdump.Testing.Builders;

namespace Nkdump.Kernel.Tests;

/// <summary>
/// A dump of a kernel older than 4.13, made up as RHEL 7's 3.10 would write it: its VMCOREINFO names
/// the top page table SYMBOL(init_level4_pgt) (renamed init_top_pgt in 4.13, commit 65ade2f872b4),
/// has no NUMBER(phys_base) (only SYMBOL(phys_base)), no KERNELOFFSET and no OFFSET(uts_namespace.name),
/// and its struct uts_namespace starts with a kref. Debian has no such kernel to boot, so the dump is
/// built: an ELF core (ElfCoreBuilder) with page tables mapping the kernel image and the direct map at
/// the pre-4.8 fixed base.
/// </summary>
public class OldKernelDumpTests
{
    private const ulong PhysBase = 0x2000000;
    private const ulong TopVirtual = 0xffffffff81a0e000;           // init_level4_pgt
    private const ulong UtsVirtual = 0xffffffff81a14000;           // init_uts_ns
    private const ulong DirectMap = 0xffff880000000000;            // PAGE_OFFSET before 4.8's randomization
    private const ulong MarkerPhysical = 0x7345000;
    private const string Release = "3.10.0-1160.el7.x86_64";

    private static ulong TextPhysical(ulong va) => va - X86_64Constants.StartKernelMap + PhysBase;

    [Fact]
    public void APre413DumpIsReadThroughInitLevel4Pgt()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("vmcore", BuildDump($"SYMBOL(init_level4_pgt)={TopVirtual:x}\n"));
        using var session = KernelSession.Open(path);

        Assert.Equal(TopVirtual, session.Kernel.Layout.TopTableVirtualAddress);
        Assert.Equal(TextPhysical(TopVirtual), session.Kernel.Layout.TopTablePhysicalAddress);
        Assert.Equal(new PhysBaseFact(PhysBase, LayoutSource.Derived), session.PhysBaseFact); // found by the self-mapping search
        Assert.Equal(DirectMap, session.Kernel.Layout.PageOffsetBase);                     // derived from mem_section

        // Virtual memory reads work, through the direct map and the text map.
        Assert.Equal("planted by the test"u8.ToArray(), session.Kernel.Memory.ReadBytes(DirectMap + MarkerPhysical, 19));
        Assert.Equal("Linux"u8.ToArray(), session.Kernel.Memory.ReadBytes(UtsVirtual + 4, 5));

        // The name behind the kref, found without OFFSET(uts_namespace.name) or BTF.
        Assert.Equal(new Utsname("Linux", "rhel7", Release, "#1 SMP Thu Oct 1 17:21:35 UTC 2020", "x86_64", "(none)"), session.Utsname);
    }

    [Fact]
    public void WithoutAnyTopTableSymbolTheErrorNamesAllThree()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("vmcore", BuildDump($"NUMBER(phys_base)={PhysBase}\n"));
        var e = Assert.Throws<NkdumpException>(() => KernelSession.Open(path));
        Assert.Contains("init_level4_pgt", e.Message, StringComparison.Ordinal);
        Assert.Contains("init_top_pgt", e.Message, StringComparison.Ordinal);
    }

    private static byte[] BuildDump(string topTableLine)
    {
        var memory = new SparsePhysicalMemory(maxPfn: 0x10000); // 256 MiB
        var tables = new PageTableBuilder(memory, TextPhysical(TopVirtual), TextPhysical(TopVirtual) + 0x1000, fiveLevel: false);
        for (var va = X86_64Constants.DefaultStext; va < 0xffffffff82000000; va += X86_64Constants.Size2M)
        {
            tables.Map2M(va, TextPhysical(va));
        }

        tables.Map1G(DirectMap, 0);
        memory.Write(MarkerPhysical, "planted by the test"u8);
        memory.Write(0x6000000, new byte[64]); // where SYMBOL(mem_section) points

        // struct uts_namespace (3.10): struct kref kref; struct new_utsname name; ...
        var uts = new byte[4 + Utsname.Size];
        uts[0] = 3; // the kref's count
        string[] fields = ["Linux", "rhel7", Release, "#1 SMP Thu Oct 1 17:21:35 UTC 2020", "x86_64", "(none)"];
        for (var i = 0; i < fields.Length; i++)
        {
            Encoding.ASCII.GetBytes(fields[i]).CopyTo(uts, 4 + (i * Utsname.FieldLength));
        }

        memory.Write(TextPhysical(UtsVirtual), uts);

        var info = $"OSRELEASE={Release}\nPAGESIZE=4096\n{topTableLine}SYMBOL(init_uts_ns)={UtsVirtual:x}\n" +
            $"SYMBOL(mem_section)={DirectMap + 0x6000000:x}\nSYMBOL(phys_base)=ffffffff81a10010\n";
        var core = new ElfCoreBuilder().VmcoreInfo(info);
        foreach (var (pfn, bytes) in memory.WrittenPages)
        {
            core.Load(pfn << 12, bytes);
        }

        return core.Build();
    }
}
