using System.Text;
using Nkdump.Collector.Output;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests.Elf;

/// <summary>
/// Dumps of machines other than x86_64 are refused by name at open (issue #17 item 9), not decoded
/// as x86_64: an ELF core by e_machine, a kdump-compressed file by its utsname machine.
/// </summary>
public sealed class MachineRefusalTests
{
    [Theory]
    [InlineData(183, "aarch64")]
    [InlineData(21, "ppc64le")]
    [InlineData(243, "riscv64")]
    [InlineData(22, "s390x")]
    public void An_elf_core_of_another_machine_is_refused_naming_it(ushort machine, string name)
    {
        using var dir = new TempDirectory();
        var core = new ElfCoreBuilder { Machine = machine }.VmcoreInfo("PAGESIZE=4096\n").Load(0, new byte[8192]).Build();
        var path = dir.Write("vmcore", core);
        var error = Assert.Throws<DumpFormatException>(() => DumpOpener.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.Equal(18, error.Offset); // e_machine
        Assert.Contains($"{name} cores are not supported: nkdump reads x86_64 dumps", error.Message);
        Assert.Equal(18, Assert.Throws<DumpFormatException>(() => ElfVmcore.Open(path).Dispose()).Offset);
    }

    [Fact]
    public void An_unknown_machine_is_refused_by_number_and_x86_64_still_opens()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("odd", new ElfCoreBuilder { Machine = 4321 }.Load(0, new byte[4096]).Build());
        Assert.Contains("cores of ELF machine 4321 are not supported", Assert.Throws<DumpFormatException>(() => DumpOpener.Open(path).Dispose()).Message);
        using var good = DumpOpener.Open(dir.Write("good", new ElfCoreBuilder().Load(0, new byte[4096]).Build()));
        Assert.Equal(DumpFormat.Elf, good.Format);
    }

    [Theory]
    [InlineData("aarch64", true)]
    [InlineData("riscv64", true)]
    [InlineData("x86_64", false)]
    [InlineData("", false)]
    public void A_kdump_file_of_another_machine_is_refused_by_its_utsname(string machine, bool refused)
    {
        using var dir = new TempDirectory();
        var path = dir.File("dump");
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(new SyntheticDump(SyntheticMemory.Random(3, 64)), output, OutputFormat.Kdump, PageCompression.Zlib);
        }

        // new_utsname.machine: the fifth 65-byte field of the utsname at offset 12.
        var machineAt = KdumpLayout.Utsname + (4 * KdumpLayout.UtsFieldLength);
        var bytes = File.ReadAllBytes(path);
        Array.Clear(bytes, machineAt, KdumpLayout.UtsFieldLength);
        Encoding.ASCII.GetBytes(machine).CopyTo(bytes, machineAt);
        File.WriteAllBytes(path, bytes);
        if (!refused)
        {
            using var dump = DumpOpener.Open(path);
            Assert.Equal(DumpFormat.KdumpCompressed, dump.Format);
            return;
        }

        var error = Assert.Throws<DumpFormatException>(() => DumpOpener.Open(path).Dispose());
        Assert.Equal(path, error.FilePath);
        Assert.Equal(machineAt, error.Offset);
        Assert.Contains($"{machine} dumps are not supported: nkdump reads x86_64 dumps", error.Message);
    }
}
