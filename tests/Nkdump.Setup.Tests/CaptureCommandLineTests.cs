using Nkdump.Config;
using Nkdump.Setup.Kexec;

namespace Nkdump.Setup.Tests;

public class CaptureCommandLineTests
{
    private const string Additions = "novmcoredd hugetlb_cma=0 kfence.sample_interval=0 initramfs_options=size=90% irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable cma=0 pcie_ports=compat";

    [Fact]
    public void RemovesCrashkernelAndFriendsAndAddsKdumpUtilsX86List()
    {
        var line = CaptureCommandLine.Build(
            "BOOT_IMAGE=/boot/vmlinuz-6.1.0 root=UUID=abcd ro quiet crashkernel=2G-64G:256M,64G-:512M hugepages=16 cma=64M nr_cpus=8 panic_on_warn=1 -- single",
            KdumpConfigParser.Parse(""),
            bootCpuApicId: null);
        Assert.Equal($"init BOOT_IMAGE=/boot/vmlinuz-6.1.0 root=UUID=abcd ro {Additions}", line);
    }

    [Fact]
    public void ConfigRemovesAndAppendsAndCanReplaceTheBase()
    {
        var config = KdumpConfigParser.Parse("kdump_commandline_remove console BOOT_IMAGE\nkdump_commandline_append console=ttyS0 loglevel=7\n");
        var line = CaptureCommandLine.Build("BOOT_IMAGE=x root=/dev/sda1 console=tty0 console=ttyS1", config, 2);
        Assert.Equal($"init root=/dev/sda1 {Additions} console=ttyS0 loglevel=7 disable_cpu_apicid=2", line);

        var replaced = CaptureCommandLine.Build("root=/dev/sda1 quiet", KdumpConfigParser.Parse("kdump_commandline root=/dev/vdb ro\n"), null);
        Assert.StartsWith("init root=/dev/vdb ro novmcoredd", replaced);
    }

    [Fact]
    public void CaptureCpusSetsNrCpus()
    {
        var line = CaptureCommandLine.Build("root=/dev/sda1 nr_cpus=8", KdumpConfigParser.Parse("capture_cpus 2\n"), null);
        Assert.Equal($"init root=/dev/sda1 {Additions.Replace("nr_cpus=1", "nr_cpus=2", StringComparison.Ordinal)}", line);
        Assert.Contains("capture_cpus 2", KdumpConfigParser.Parse("capture_cpus 2\n").EffectiveLines());
        Assert.DoesNotContain(KdumpConfigParser.Parse("").EffectiveLines(), l => l.StartsWith("capture_cpus", StringComparison.Ordinal));
        foreach (var bad in new[] { "0", "17", "Auto", "two", "auto 2" })
        {
            var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse($"capture_cpus {bad}\n"));
            Assert.Equal("capture_cpus", e.Directive);
        }
    }

    [Fact]
    public void QuotedValuesStayTogether()
    {
        var line = CaptureCommandLine.Build("root=/dev/sda1 dyndbg=\"file foo.c +p\" quiet", KdumpConfigParser.Parse(""), null);
        Assert.StartsWith("init root=/dev/sda1 dyndbg=\"file foo.c +p\" novmcoredd", line);
    }

    [Fact]
    public void BootCpuApicIdComesFromCpuinfo()
    {
        Assert.Equal(4, CaptureCommandLine.BootCpuApicId("processor\t: 0\napicid\t\t: 4\ninitial apicid\t: 4\n\nprocessor\t: 1\ninitial apicid\t: 0\n"));
        Assert.Null(CaptureCommandLine.BootCpuApicId(null));
    }

    [Theory]
    [InlineData(KexecErrors.EPERM, "locked down")]
    [InlineData(KexecErrors.EKEYREJECTED, "signature")]
    [InlineData(KexecErrors.EADDRNOTAVAIL, "crashkernel=")]
    [InlineData(KexecErrors.ENOMEM, "too small")]
    [InlineData(KexecErrors.EBUSY, "another kexec")]
    [InlineData(KexecErrors.ENOEXEC, "bzImage")]
    [InlineData(KexecErrors.ENOSYS, "CONFIG_KEXEC_FILE")]
    [InlineData(5, "errno 5")]
    public void ErrnosHaveMessagesAPersonCanActOn(int errno, string text) =>
        Assert.Contains(text, KexecErrors.Describe(errno, "/boot/vmlinuz"));
}

public class LinuxKexecLoaderTests
{
    /// <summary>
    /// The real syscall wiring: an ELF program is not a kernel, so kexec_file_load must fail (ENOEXEC
    /// on a kernel that lets us call it; EPERM or ENOSYS in a sandbox) and never load anything. The
    /// errno must come back through [LibraryImport] as a clear message. Real loading is the
    /// end-to-end suite's job.
    /// </summary>
    [Fact]
    public void ANonKernelIsRefusedWithItsErrnoExplained()
    {
        var e = Assert.Throws<KexecException>(() => new LinuxKexecLoader().LoadCrash("/usr/bin/true", "/usr/bin/true", "console=ttyS0"));
        Assert.True(e.Errno > 0);
        Assert.Contains(e.Errno, new[] { KexecErrors.ENOEXEC, KexecErrors.EPERM, KexecErrors.ENOSYS, KexecErrors.EINVAL, KexecErrors.EADDRNOTAVAIL });
        Assert.Equal(KexecErrors.Describe(e.Errno, "/usr/bin/true"), e.Message);
    }
}
