using Nkdump.Config;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Files;
using Nkdump.Setup.Kexec;
using Nkdump.Setup.Service;

namespace Nkdump.Setup.Tests;

/// <summary>auto_reset_crashkernel: older defaults become the current one; a value the user chose is never touched.</summary>
public class AutoCrashkernelResetTests
{
    private const string Current = "2G-64G:256M,64G-:512M";
    private const string Rhel9Default = "1G-4G:192M,4G-64G:256M,64G-:512M";

    private static KdumpConfig Config(string text = "path /var/crash\n") => KdumpConfigParser.Parse(text);

    private static string Grub(string crashkernel) => $"GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"rhgb quiet crashkernel={crashkernel}\"\n";

    [Fact]
    public void AnOlderDefaultInEtcDefaultGrubIsResetAndTheRegeneratorRuns()
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", Grub(Rhel9Default));
        t.Write("/usr/sbin/update-grub", "");
        var runs = new List<string>();
        var log = new StringWriter();
        var outcome = AutoCrashkernelReset.Apply(t.Root, Config(), (argv, _) => { runs.Add(string.Join(' ', argv)); return 0; }, log);
        Assert.Equal(AutoResetOutcome.Reset, outcome);
        Assert.Equal(Grub(Current), t.Read("/etc/default/grub"));
        Assert.Equal(Grub(Rhel9Default), t.Read("/etc/default/grub" + AtomicFile.BackupSuffix));
        Assert.Equal(["/usr/sbin/update-grub"], runs);
        Assert.Contains($"crashkernel={Rhel9Default} is an older default; set to crashkernel={Current} in /etc/default/grub", log.ToString());
        Assert.Contains("next boot", log.ToString());
        Assert.Contains("auto_reset_crashkernel no", log.ToString());

        // Now current: nothing more happens.
        Assert.Equal(AutoResetOutcome.Current, AutoCrashkernelReset.Apply(t.Root, Config(), (_, _) => throw new InvalidOperationException(), TextWriter.Null));
        Assert.Single(runs);
    }

    [Fact]
    public void Rhel8AutoInGrubenvIsResetThroughGrubby()
    {
        using var t = new TempRoot();
        t.Write("/usr/sbin/grubby", "");
        t.Write("/boot/loader/entries/x-4.18.0.conf", "title RHEL\nversion 4.18.0\nlinux /vmlinuz-4.18.0\noptions $kernelopts\n");
        t.Write("/boot/grub2/grubenv", "kernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto\n");
        var runs = new List<string>();
        Assert.Equal(AutoResetOutcome.Reset, AutoCrashkernelReset.Apply(t.Root, Config(), (argv, _) => { runs.Add(string.Join(' ', argv)); return 0; }, TextWriter.Null));
        Assert.Equal([$"/usr/sbin/grubby --update-kernel=ALL --args=crashkernel={Current}"], runs);
    }

    [Theory]
    [InlineData("384M")]
    [InlineData("2G-64G:320M,64G-:512M")]
    [InlineData("512M,high")]
    public void AValueTheUserChoseIsNeverTouched(string chosen)
    {
        using var t = new TempRoot();
        t.Write("/etc/default/grub", Grub(chosen));
        Assert.Equal(AutoResetOutcome.UserChosen, AutoCrashkernelReset.Apply(t.Root, Config(), (_, _) => throw new InvalidOperationException(), TextWriter.Null));
        Assert.Equal(Grub(chosen), t.Read("/etc/default/grub"));
        Assert.False(File.Exists(t.Real("/etc/default/grub" + AtomicFile.BackupSuffix)));
    }

    [Fact]
    public void OneHandChosenEntryKeepsEveryEntryAsItIs()
    {
        using var t = new TempRoot();
        t.Write("/etc/kernel/cmdline", $"root=UUID=abc crashkernel={Rhel9Default}\n");
        t.Write("/boot/loader/entries/a.conf", $"title a\noptions root=UUID=abc crashkernel={Rhel9Default}\n");
        t.Write("/boot/loader/entries/b.conf", "title b\noptions root=UUID=abc crashkernel=1G\n");
        var log = new StringWriter();
        Assert.Equal(AutoResetOutcome.UserChosen, AutoCrashkernelReset.Apply(t.Root, Config(), null, log));
        Assert.Contains("crashkernel=1G in /boot/loader/entries/b.conf was chosen by hand", log.ToString());
        Assert.Equal($"title a\noptions root=UUID=abc crashkernel={Rhel9Default}\n", t.Read("/boot/loader/entries/a.conf"));
    }

    [Fact]
    public void DisabledNoCrashkernelAndNoBootConfigurationChangeNothing()
    {
        using var t = new TempRoot();
        Assert.Equal(AutoResetOutcome.NothingToJudge, AutoCrashkernelReset.Apply(t.Root, Config(), null, TextWriter.Null));
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"quiet\"\n");
        Assert.Equal(AutoResetOutcome.NothingToJudge, AutoCrashkernelReset.Apply(t.Root, Config(), null, TextWriter.Null));
        t.Write("/etc/default/grub", Grub("auto"));
        Assert.Equal(AutoResetOutcome.Disabled, AutoCrashkernelReset.Apply(t.Root, Config("auto_reset_crashkernel no\n"), null, TextWriter.Null));
        Assert.Equal(Grub("auto"), t.Read("/etc/default/grub"));
    }

    [Fact]
    public void StartResetsAnOlderDefaultAfterLoadingAndSaysItTakesEffectAtTheNextBoot()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t);
        t.Write("/sys/kernel/kexec_crash_size", "268435456\n");
        t.Write("/sys/kernel/kexec_crash_loaded", "0\n");
        t.Write("/etc/default/grub", Grub("auto"));
        t.Write("/usr/sbin/update-grub", "");
        var log = new StringWriter();
        var service = new KdumpService(t.Root, new RootSimulatedKexecLoader(t.Root), t.Real("/etc/kdump.conf"), null, log);
        Assert.True(service.Start());
        Assert.Equal(Grub(Current), t.Read("/etc/default/grub"));
        Assert.Contains("takes effect at the next boot", log.ToString());
        Assert.Contains("not run (--no-regenerate, or a root prefix): /usr/sbin/update-grub", log.ToString());
    }
}
