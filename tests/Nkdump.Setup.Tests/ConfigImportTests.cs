using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Import;

namespace Nkdump.Setup.Tests;

public class ConfigImportTests
{
    /// <summary>Debian's /etc/default/kdump-tools as shipped, with an ssh target and a few settings nkdump has no equivalent for.</summary>
    private const string KdumpTools =
        "# kdump-tools configuration\n"
        + "USE_KDUMP=1\n"
        + "KDUMP_KERNEL=/var/lib/kdump/vmlinuz\n"
        + "KDUMP_INITRD=/var/lib/kdump/initrd.img\n"
        + "KDUMP_COREDIR=\"/var/crash/dumps\"\n"
        + "KDUMP_FAIL_CMD=\"reboot -f\"\n"
        + "KDUMP_DUMP_DMESG=0\n"
        + "KDUMP_NUM_DUMPS=3\n"
        + "#MAKEDUMP_ARGS=\"-c -d 31\"\n"
        + "MAKEDUMP_ARGS=\"-c -d 17\"\n"
        + "KDUMP_CMDLINE_APPEND=\"reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll nousb\"\n"
        + "SSH=\"kdump@backup.example\"\n"
        + "SSH_KEY=\"/root/.ssh/kdump_id\"\n"
        + "export HOSTTAG=hostname\n"
        + "FTP=\"ftp.example:/dumps\"\n"
        + "KDUMP_SURPRISE=yes\n";

    [Fact]
    public void KdumpToolsSettingsBecomeKdumpConfAndTheRestIsNamed()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/kdump-tools", KdumpTools);
        var import = new ConfigImport(t.Root);
        Assert.Equal(ImportSource.KdumpTools, import.Detect());

        var result = import.Convert(ImportSource.KdumpTools);
        var config = KdumpConfigParser.Parse(result.Text);
        Assert.Equal(DumpLayout.Debian, config.DumpLayout);
        Assert.Equal("/var/crash/dumps", config.Path);
        Assert.Equal(DumpTargetKind.Ssh, config.Target.Kind);
        Assert.Equal("kdump@backup.example", config.Target.Value);
        Assert.Equal("/root/.ssh/kdump_id", config.SshKey);
        Assert.Equal(17, config.EffectiveDumpLevel);
        Assert.Equal(FailureAction.Reboot, config.FailureAction);
        Assert.Equal(["nousb"], config.CommandLineAppend);
        Assert.Equal(3, config.KeepDumps);
        Assert.Contains("# from /etc/default/kdump-tools:10 MAKEDUMP_ARGS (-F added: the ssh target receives a stream)\ncore_collector makedumpfile -F -c -d 17\n", result.Text);

        var left = string.Join('\n', result.NotCarried);
        foreach (var name in new[] { "KDUMP_KERNEL", "KDUMP_INITRD", "KDUMP_DUMP_DMESG", "HOSTTAG", "FTP", "KDUMP_SURPRISE" })
        {
            Assert.Contains($" {name}: ", left);
        }

        Assert.Contains("/etc/default/kdump-tools:16 KDUMP_SURPRISE: not a kdump-tools setting nkdump knows", left);
        Assert.DoesNotContain("USE_KDUMP", left);
        Assert.DoesNotContain("MAKEDUMP_ARGS", left);
        Assert.DoesNotContain("KDUMP_NUM_DUMPS", left);
    }

    [Fact]
    public void AFailCommandThatIsAScriptAndAComputedValueAreNotGuessed()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/kdump-tools", "KDUMP_FAIL_CMD=\"echo failed; /bin/bash; reboot -f\"\nKDUMP_COREDIR=$(cat /etc/where)\nNFS=\"nfs.example:/export\"\n");
        var result = new ConfigImport(t.Root).Convert(ImportSource.KdumpTools);
        Assert.Contains(result.NotCarried, n => n.StartsWith("/etc/default/kdump-tools:1 KDUMP_FAIL_CMD: 'echo failed", StringComparison.Ordinal));
        Assert.Contains(result.NotCarried, n => n.Contains("KDUMP_COREDIR: '$(cat /etc/where)' is computed by the shell", StringComparison.Ordinal));
        var config = KdumpConfigParser.Parse(result.Text);
        Assert.Equal(("nfs.example:/export", "/var/crash"), (config.Target.Value, config.Path));
    }

    [Fact]
    public void KdumpUtilsKeepsKdumpConfLinesAndReadsSysconfig()
    {
        using var t = new TempRoot();
        t.Write("/etc/kdump.conf", "# RHEL\nauto_reset_crashkernel yes\npath /var/crash\ncore_collector makedumpfile -l --message-level 7 -d 31\nfence_kdump_nodes node2\nblacklist nouveau\n");
        t.Write("/etc/sysconfig/kdump",
            "KDUMP_KERNELVER=\"\"\nKDUMP_COMMANDLINE=\"\"\nKDUMP_COMMANDLINE_REMOVE=\"hugepages hugepagesz slub_debug quiet log_buf_len swiotlb cma hugetlb_cma ignition.firstboot rd.plymouth\"\n"
            + "KDUMP_COMMANDLINE_APPEND=\"irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable novmcoredd cma=0 hugetlb_cma=0 console=ttyS1\"\n"
            + "KEXEC_ARGS=\"-s\"\nKDUMP_IMG=\"vmlinuz\"\nMKDUMPRD_ARGS=\"--add lvm\"\nFADUMP_COMMANDLINE_APPEND=\"nr_cpus=16\"\n");
        var import = new ConfigImport(t.Root);
        Assert.Equal(ImportSource.KdumpUtils, import.Detect());

        var result = import.Convert(ImportSource.KdumpUtils);
        var config = KdumpConfigParser.Parse(result.Text);
        Assert.Equal(DumpLayout.RedHat, config.DumpLayout);
        Assert.Equal(["rd.plymouth"], config.CommandLineRemove);
        Assert.Equal(["console=ttyS1"], config.CommandLineAppend);
        Assert.Contains("core_collector makedumpfile -l --message-level 7 -d 31\n", result.Text);
        Assert.Equal(3, result.NotCarried.Count);
        Assert.Contains(result.NotCarried, n => n.StartsWith("/etc/kdump.conf:5 fence_kdump_nodes: ", StringComparison.Ordinal));
        Assert.Contains(result.NotCarried, n => n.StartsWith("/etc/kdump.conf:6 blacklist: deprecated", StringComparison.Ordinal));
        Assert.Contains(result.NotCarried, n => n.StartsWith("/etc/sysconfig/kdump:7 MKDUMPRD_ARGS: ", StringComparison.Ordinal));
    }

    [Fact]
    public void WriteKeepsTheOldFileAndNeverOverwritesABackup()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/kdump-tools", "KDUMP_COREDIR=/srv/crash\n");
        t.Write("/etc/kdump.conf", "path /var/crash\n");
        var import = new ConfigImport(t.Root);
        var backup = import.Write(import.Convert(ImportSource.KdumpTools));
        Assert.Equal(t.Real("/etc/kdump.conf.nkdump-import-bak"), backup);
        Assert.Equal("path /var/crash\n", t.Read("/etc/kdump.conf.nkdump-import-bak"));
        Assert.Equal("/srv/crash", KdumpConfigParser.Load(t.Real("/etc/kdump.conf")).Path);

        var again = Assert.Throws<NkdumpException>(() => import.Write(import.Convert(ImportSource.KdumpTools)));
        Assert.Contains("exists from an earlier import", again.Message);
        Assert.Equal("path /var/crash\n", t.Read("/etc/kdump.conf.nkdump-import-bak"));
    }

    [Fact]
    public void NothingToImportIsAClearError()
    {
        using var t = new TempRoot();
        Assert.Contains("nothing to import", Assert.Throws<NkdumpException>(() => new ConfigImport(t.Root).Detect()).Message);
        Assert.Contains("kdump-tools is not configured", Assert.Throws<NkdumpException>(() => new ConfigImport(t.Root).Convert(ImportSource.KdumpTools)).Message);
    }
}
