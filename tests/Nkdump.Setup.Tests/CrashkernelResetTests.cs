using Nkdump.Formats;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Tests;

public class CrashkernelResetTests
{
    private const string Before = "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n";

    [Fact]
    public void ResetWritesWithBackupRunsTheRegeneratorAndASecondResetChangesNothing()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", Before);
        t.Write("/usr/sbin/update-grub", "#!/bin/sh\n");
        var runs = new List<string>();
        int Runner(IReadOnlyList<string> argv, TextWriter _)
        {
            runs.Add(string.Join(' ', argv));
            return 0;
        }

        var reset = new CrashkernelReset(t.Root, Runner);
        var first = reset.Run("2G-64G:256M,64G-:512M", dryRun: false);
        Assert.True(first.Changed);
        Assert.Equal(Before, t.Read("/etc/default/grub" + AtomicFile.BackupSuffix));
        Assert.Contains("GRUB_CMDLINE_LINUX=\"console=ttyS0 crashkernel=2G-64G:256M,64G-:512M\"", t.Read("/etc/default/grub"));
        Assert.Equal(["/usr/sbin/update-grub"], runs);

        var written = t.Read("/etc/default/grub");
        var second = reset.Run("2G-64G:256M,64G-:512M", dryRun: false);
        Assert.False(second.Changed);
        Assert.Equal(written, t.Read("/etc/default/grub"));
        Assert.Single(runs);
        Assert.Empty(Directory.GetFiles(t.Real("/etc/default"), ".grub.nkdump-tmp-*"));
    }

    [Fact]
    public void DryRunPrintsADiffAndWritesNothing()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", Before);
        var result = new CrashkernelReset(t.Root, (_, _) => throw new InvalidOperationException("must not run")).Run("256M", dryRun: true);
        Assert.True(result.Changed);
        Assert.Equal(Before, t.Read("/etc/default/grub"));
        Assert.False(File.Exists(t.Real("/etc/default/grub" + AtomicFile.BackupSuffix)));
        Assert.Contains("-GRUB_CMDLINE_LINUX=\"console=ttyS0\"\n+GRUB_CMDLINE_LINUX=\"console=ttyS0 crashkernel=256M\"\n", result.Diff);
        Assert.StartsWith("--- /etc/default/grub\n+++ /etc/default/grub\n@@ -1,3 +1,3 @@\n", result.Diff);
    }

    [Fact]
    public void BlsSystemsUseGrubby()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n");
        t.Write("/usr/sbin/grubby", "");
        t.Write("/usr/sbin/grub2-mkconfig", "");
        var result = new CrashkernelReset(t.Root, null).Run("1G", dryRun: true);
        Assert.Equal(["/usr/sbin/grubby", "--update-kernel=ALL", "--args=crashkernel=1G"], result.Regenerator);
    }

    [Fact]
    public void Grub2MkconfigWritesTheGrub2Config()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"\"\n");
        t.Write("/usr/sbin/grub2-mkconfig", "");
        var result = new CrashkernelReset(t.Root, null).Run("1G", dryRun: true);
        Assert.Equal(["/usr/sbin/grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"], result.Regenerator);
    }

    [Fact]
    public void FailingRegeneratorIsAnErrorButTheFileIsWhole()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", Before);
        t.Write("/usr/sbin/update-grub", "");
        var e = Assert.Throws<NkdumpException>(() => new CrashkernelReset(t.Root, (_, _) => 1).Run("256M", dryRun: false));
        Assert.Contains("exit 1", e.Message);
        Assert.Contains("crashkernel=256M", t.Read("/etc/default/grub"));
    }

    [Fact]
    public void DropInFilesThatSetCrashkernelAreReported()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", Before);
        t.Write("/etc/default/grub.d/kdump-tools.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M\"\n");
        var result = new CrashkernelReset(t.Root, null).Run("256M", dryRun: true);
        Assert.Contains(result.Notes, n => n.Contains("kdump-tools.cfg"));
    }

    [Fact]
    public void NoBootConfigurationIsAClearError()
    {
        using var t = new TempRoot();
        var e = Assert.Throws<NkdumpException>(() => new CrashkernelReset(t.Root, null).Run("256M", dryRun: false));
        Assert.Contains("no boot configuration nkdump can edit", e.Message);
        Assert.Contains("/etc/default/grub", e.Message);
        Assert.Contains("/etc/kernel/cmdline", e.Message);
    }
}
