using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Testing;
using Nkdump.Testing.Builders;
using Xunit.Abstractions;

namespace Nkdump.Formats.Tests;

/// <summary>
/// QEMU 7.2's dump-guest-memory of a running guest (Debian's 6.1 kernel, panicked for want of a root
/// file system, stopped before dumping): its ELF, its kdump-zlib (always flattened) and its paging ELF
/// (one PT_LOAD per mapping) all open, and every page they share has the same bytes.
/// </summary>
public sealed class QemuDumpTests(ITestOutputHelper output)
{
    [Fact]
    public void Qemu_elf_kdump_and_paging_dumps_agree()
    {
        using var dir = new TempDirectory();
        var paths = QemuGuest.Dump(dir.Path, [("elf", false), ("kdump-zlib", false), ("elf", true)]);

        using var elf = (ElfVmcore)DumpOpener.Open(paths[0]);
        Assert.Equal(2, elf.Cpus.Count);
        // Every CPU the kernel brought up is in kernel text. On a machine loaded enough that TCG's second
        // CPU misses the kernel's 10 s wait for it at boot, the kernel goes on with one CPU and the other
        // stays in the firmware (rip 0xfd09a was seen): that is the guest's doing, not the dump's.
        var serial = File.ReadAllText(Path.Combine(dir.Path, "serial.log"));
        var broughtUp = serial.Contains("Brought up 1 node, 2 CPUs", StringComparison.Ordinal) ? 2 : 1;
        Assert.Equal(broughtUp, elf.Cpus.Count(c => c.Registers.Rip >= 0xffffffff80000000UL));
        Assert.True(elf.Memory.Ranges.Sum(r => (long)r.Count) * 4096 >= 500L << 20, "the ELF should hold all 512 MiB");

        using var kdump = DumpOpener.Open(paths[1]);
        Assert.Equal(DumpFormat.Flattened, kdump.Format);

        // QEMU's header quirks (fixtures/README.md) do not stop the reader or `info`: empty utsname, zero timestamp.
        var kdumpHeader = ((Nkdump.Formats.Kdump.KdumpDump)kdump).Header;
        Assert.Equal("", kdumpHeader.Utsname[2]);
        Assert.Equal(0, kdumpHeader.TimestampSeconds);
        var info = Nkdump.Formats.Info.DumpInfo.Describe(kdump);
        Assert.Equal(2, info.Cpus.Count);
        Assert.Equal("zlib", info.Compression);
        var compared = PageComparison.AssertSubsetEqual(elf.Memory, kdump.Memory);
        Assert.True(compared > 100000, $"only {compared} pages compared");

        using var paging = (ElfVmcore)DumpOpener.Open(paths[2]);
        Assert.True(paging.Segments.Count > 100, $"{paging.Segments.Count} program headers");
        if (paging.Segments.Count >= 0xffff)
        {
            // More than 65,534 program headers: QEMU used PN_XNUM (count in section header 0), which the reader followed.
            using var raw = File.OpenRead(paths[2]);
            var header = new byte[64];
            raw.ReadExactly(header);
            Assert.Equal(0xffff, BitConverter.ToUInt16(header, 56));
        }

        output.WriteLine($"plain ELF: {elf.Segments.Count} program headers; paging ELF: {paging.Segments.Count}; kdump pages compared: {compared}");
        var a = new byte[4096];
        var b = new byte[4096];
        long shared = 0;
        foreach (var range in paging.Memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                if (paging.Memory.GetPageState(pfn) == PageState.Present && elf.Memory.GetPageState(pfn) == PageState.Present)
                {
                    Assert.True(paging.Memory.TryRead(pfn * 4096, a, out _));
                    Assert.True(elf.Memory.TryRead(pfn * 4096, b, out _));
                    Assert.True(a.AsSpan().SequenceEqual(b), $"pfn 0x{pfn:x} differs between the paging and the plain ELF");
                    shared++;
                }
            }
        }

        Assert.True(shared > 1000, $"only {shared} pages shared");
    }
}
