using Nkdump.Setup.Boot;
using Nkdump.Setup.Files;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

/// <summary>crashkernel reset on machines without /etc/default/grub: grubby's BLS entries, systemd-boot's /etc/kernel/cmdline.</summary>
public class BootConfigurationTests
{
    private const string Value = "2G-64G:256M,64G-:512M";

    private static string Entry(string version, string options) =>
        $"title Fedora Linux ({version})\nversion {version}\nlinux /vmlinuz-{version}\ninitrd /initramfs-{version}.img\noptions {options}\ngrub_users $grub_users\n";

    /// <summary>A stand-in for grubby in the root: sets crashkernel= on every entry's options line, as grubby --update-kernel=ALL --args does.</summary>
    private static void WriteFakeGrubby(TempRoot t) => t.Write("/usr/sbin/grubby",
        "#!/bin/sh\n"
        + "value=${2#--args=crashkernel=}\n"
        + $"for f in '{t.Real("/boot/loader/entries")}'/*.conf; do\n"
        + "  sed -i -E -e 's/ crashkernel=[^ ]*//g' -e \"s/^(options .*)\\$/\\1 crashkernel=$value/\" \"$f\"\n"
        + "done\n");

    /// <summary>Runs the root's fake programs (argv[0] is a path inside the root) and records them.</summary>
    private static CommandRunner RootRunner(TempRoot t, List<string> runs) => (argv, _) =>
    {
        runs.Add(string.Join(' ', argv));
        var result = ExternalTool.Run("sh", [t.Real(argv[0]), .. argv.Skip(1)]);
        return result.ExitCode;
    };

    [Fact]
    public void GrubbyWithoutEtcDefaultGrubEditsTheEntriesThroughGrubbyWithBackupsAndIsIdempotent()
    {
        using var t = new TempRoot();
        WriteFakeGrubby(t);
        var withOld = Entry("6.8.5-301.fc40.x86_64", "root=UUID=abc ro rhgb quiet crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M");
        var without = Entry("6.9.1-200.fc40.x86_64", "root=UUID=abc ro rhgb quiet");
        t.Write("/boot/loader/entries/abc-6.8.5-301.fc40.x86_64.conf", withOld);
        t.Write("/boot/loader/entries/abc-6.9.1-200.fc40.x86_64.conf", without);
        Assert.Equal(BootConfigurationKind.Grubby, BootConfiguration.Detect(t.Root));

        var runs = new List<string>();
        var reset = new CrashkernelReset(t.Root, RootRunner(t, runs));
        var dry = reset.Run(Value, dryRun: true);
        Assert.True(dry.Changed);
        Assert.Empty(runs);
        Assert.Contains("+options root=UUID=abc ro rhgb quiet crashkernel=2G-64G:256M,64G-:512M", dry.Diff);
        Assert.Contains("--- /boot/loader/entries/abc-6.9.1-200.fc40.x86_64.conf", dry.Diff);
        Assert.Equal(["/usr/sbin/grubby", "--update-kernel=ALL", $"--args=crashkernel={Value}"], dry.Regenerator);
        Assert.Equal(withOld, t.Read("/boot/loader/entries/abc-6.8.5-301.fc40.x86_64.conf"));

        var done = reset.Run(Value, dryRun: false);
        Assert.True(done.Changed);
        Assert.Equal(0, done.RegeneratorExit);
        Assert.Equal([$"/usr/sbin/grubby --update-kernel=ALL --args=crashkernel={Value}"], runs);
        Assert.Equal(Entry("6.9.1-200.fc40.x86_64", $"root=UUID=abc ro rhgb quiet crashkernel={Value}"), t.Read("/boot/loader/entries/abc-6.9.1-200.fc40.x86_64.conf"));
        Assert.Equal(withOld, t.Read("/boot/loader/entries/abc-6.8.5-301.fc40.x86_64.conf" + AtomicFile.BackupSuffix));
        Assert.Equal(without, t.Read("/boot/loader/entries/abc-6.9.1-200.fc40.x86_64.conf" + AtomicFile.BackupSuffix));

        var again = reset.Run(Value, dryRun: false);
        Assert.False(again.Changed);
        Assert.Single(runs);
        Assert.Contains(again.Notes, n => n.Contains("already set"));
        Assert.All(BootConfiguration.Current(t.Root), c => Assert.Equal(Value, c.Value));
    }

    [Fact]
    public void Rhel8KerneloptsInGrubenvAreJudgedThroughGrubby()
    {
        using var t = new TempRoot();
        t.Write("/usr/sbin/grubby", "");
        t.Write("/boot/loader/entries/x-4.18.0.conf", Entry("4.18.0", "$kernelopts $tuned_params"));
        t.Write("/boot/grub2/grubenv", "# GRUB Environment Block\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto rhgb quiet\n");
        var result = new CrashkernelReset(t.Root, null).Run(Value, dryRun: true);
        Assert.True(result.Changed);
        Assert.Equal("", result.Diff); // grubenv is grubby's to edit
        Assert.Equal(("/boot/grub2/grubenv", "auto"), Assert.Single(BootConfiguration.Current(t.Root)));

        t.Write("/boot/grub2/grubenv", $"kernelopts=root=/dev/mapper/rhel-root ro crashkernel={Value} rhgb quiet\n");
        Assert.False(new CrashkernelReset(t.Root, null).Run(Value, dryRun: true).Changed);
    }

    [Fact]
    public void SystemdBootEditsEtcKernelCmdlineAndTheEntriesItselfWithBackups()
    {
        using var t = new TempRoot();
        t.Write("/etc/kernel/cmdline", "root=UUID=abc rw quiet crashkernel=512M\n");
        var entry = "title Debian\nversion 6.1.0-13-amd64\noptions  root=UUID=abc rw quiet crashkernel=512M\nlinux /abc/6.1.0-13-amd64/linux\n";
        t.Write("/efi/loader/entries/abc-6.1.0-13-amd64.conf", entry);
        t.Write("/efi/EFI/Linux/abc-6.1.0-14-amd64.efi", "MZ");
        Assert.Equal(BootConfigurationKind.KernelInstall, BootConfiguration.Detect(t.Root));

        var reset = new CrashkernelReset(t.Root, (_, _) => throw new InvalidOperationException("nothing to run"));
        var dry = reset.Run(Value, dryRun: true);
        Assert.Contains("-root=UUID=abc rw quiet crashkernel=512M\n+root=UUID=abc rw quiet crashkernel=2G-64G:256M,64G-:512M\n", dry.Diff);
        Assert.Contains("+options  root=UUID=abc rw quiet crashkernel=2G-64G:256M,64G-:512M\n", dry.Diff);
        Assert.Null(dry.Regenerator);
        Assert.Contains(dry.Notes, n => n.Contains("unified kernel images"));
        Assert.Equal(entry, t.Read("/efi/loader/entries/abc-6.1.0-13-amd64.conf"));

        var done = reset.Run(Value, dryRun: false);
        Assert.True(done.Changed);
        Assert.Equal(["/etc/kernel/cmdline", "/efi/loader/entries/abc-6.1.0-13-amd64.conf"], done.ChangedFiles);
        Assert.Equal($"root=UUID=abc rw quiet crashkernel={Value}\n", t.Read("/etc/kernel/cmdline"));
        Assert.Equal("root=UUID=abc rw quiet crashkernel=512M\n", t.Read("/etc/kernel/cmdline" + AtomicFile.BackupSuffix));
        Assert.Equal(entry.Replace("crashkernel=512M", $"crashkernel={Value}"), t.Read("/efi/loader/entries/abc-6.1.0-13-amd64.conf"));
        Assert.Equal(entry, t.Read("/efi/loader/entries/abc-6.1.0-13-amd64.conf" + AtomicFile.BackupSuffix));

        Assert.False(reset.Run(Value, dryRun: false).Changed);
    }

    [Fact]
    public void GrubSystemsAlsoGetEtcKernelCmdlineWhenItExists()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"rhgb quiet\"\n");
        t.Write("/etc/kernel/cmdline", "root=UUID=abc ro rhgb quiet");
        t.Write("/usr/sbin/grub2-mkconfig", "#!/bin/sh\nexit 0\n");
        var runs = new List<string>();
        var result = new CrashkernelReset(t.Root, RootRunner(t, runs)).Run("1G", dryRun: false);
        Assert.Equal(BootConfigurationKind.Grub, result.Kind);
        Assert.Equal(["/etc/default/grub", "/etc/kernel/cmdline"], result.ChangedFiles);
        Assert.Equal("root=UUID=abc ro rhgb quiet crashkernel=1G\n", t.Read("/etc/kernel/cmdline"));
        Assert.Equal(["/usr/sbin/grub2-mkconfig -o /boot/grub2/grub.cfg"], runs);
    }

    [Theory]
    [InlineData("quiet", "1G", "quiet crashkernel=1G")]
    [InlineData("crashkernel=auto quiet crashkernel=2G", "1G", "crashkernel=1G quiet")]
    [InlineData("", "256M", "crashkernel=256M")]
    public void KernelCommandLineTextKeepsOneCrashkernel(string line, string value, string expected)
    {
        Assert.Equal(expected, KernelCommandLineText.SetCrashkernel(line, value));
        Assert.Same(expected, KernelCommandLineText.SetCrashkernel(expected, value)); // unchanged: the same string back
        Assert.Equal(value, KernelCommandLineText.Crashkernel(expected));
    }
}
