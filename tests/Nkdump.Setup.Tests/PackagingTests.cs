using Nkdump.Setup.Boot;
using Nkdump.Setup.Files;
using Nkdump.Setup.Service;

namespace Nkdump.Setup.Tests;

/// <summary>The Debian package's side: the GRUB drop-in, the generator, the packaged unit.</summary>
public class PackagingTests
{
    private const string GrubDefault = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n";

    private static TempRoot Debian()
    {
        var t = new TempRoot();
        t.Write("/etc/debian_version", "12.11\n");
        t.Write("/etc/default/grub", GrubDefault);
        t.Write("/usr/sbin/update-grub", "#!/bin/sh\n");
        return t;
    }

    [Fact]
    public void OnDebianResetWritesTheGrubDropInAndLeavesEtcDefaultGrubAlone()
    {
        using var t = Debian();
        var runs = new List<string>();
        var reset = new CrashkernelReset(t.Root, (argv, _) =>
        {
            runs.Add(string.Join(' ', argv));
            return 0;
        });

        var first = reset.Run("2G-64G:256M,64G-:512M", dryRun: false);
        Assert.True(first.Changed);
        Assert.Equal(["/etc/default/grub.d/nkdump.cfg"], first.ChangedFiles);
        Assert.Contains("GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=2G-64G:256M,64G-:512M\"\n", t.Read("/etc/default/grub.d/nkdump.cfg"));
        Assert.Equal(GrubDefault, t.Read("/etc/default/grub"));
        Assert.False(File.Exists(t.Real("/etc/default/grub" + AtomicFile.BackupSuffix)));
        Assert.Equal(["/usr/sbin/update-grub"], runs);
        Assert.Equal([("/etc/default/grub.d/nkdump.cfg", "2G-64G:256M,64G-:512M")], BootConfiguration.Current(t.Root));

        Assert.False(reset.Run("2G-64G:256M,64G-:512M", dryRun: false).Changed);
        Assert.Single(runs);

        var resized = reset.Run("512M", dryRun: false);
        Assert.True(resized.Changed);
        Assert.Contains("crashkernel=512M\"", t.Read("/etc/default/grub.d/nkdump.cfg"));
        Assert.Contains("crashkernel=2G-64G:256M,64G-:512M", t.Read("/etc/default/grub.d/nkdump.cfg" + AtomicFile.BackupSuffix));
    }

    [Fact]
    public void OnDebianAnOlderCrashkernelInEtcDefaultGrubIsNamed()
    {
        using var t = Debian();
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"crashkernel=128M\"\n");
        t.Write("/etc/default/grub.d/kdump-tools.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M\"\n");
        var result = new CrashkernelReset(t.Root, null).Run("256M", dryRun: true);
        Assert.Contains(result.Notes, n => n.Contains("also sets crashkernel=128M", StringComparison.Ordinal));
        Assert.Contains(result.Notes, n => n.Contains("kdump-tools.cfg", StringComparison.Ordinal) && n.Contains("takes that crashkernel= off", StringComparison.Ordinal));
        Assert.StartsWith("--- /etc/default/grub.d/nkdump.cfg\n", result.Diff);
        Assert.False(File.Exists(t.Real("/etc/default/grub.d/nkdump.cfg")));
    }

    [Fact]
    public void TheDropInTakesEarlierCrashkernelOffAndAnOlderDropInIsRewritten()
    {
        var text = GrubDropIn.Text("1G-4G:192M");
        Assert.Contains("sed -e 's/^/ /' -e 's/ crashkernel=[^ ]*//g' -e 's/^ //'", text);
        Assert.Equal("1G-4G:192M", GrubDefaultEditor.CurrentCrashkernel(text));
        Assert.Same(text, GrubDropIn.WithCrashkernel(text, "1G-4G:192M"));
        var older = "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=1G-4G:192M\"\n";
        Assert.Equal(text, GrubDropIn.WithCrashkernel(older, "1G-4G:192M"));
        Assert.True(GrubDropIn.ReadBefore("kdump-tools.cfg"));
        Assert.False(GrubDropIn.ReadBefore("zz-local.cfg"));
    }

    [Theory]
    [InlineData("ssh kdump@backup\n", true)]
    [InlineData("nfs server:/export\n", true)]
    [InlineData("path /var/crash\n", false)]
    [InlineData("ext4 UUID=0b1c\n", false)]
    [InlineData("path /var/crash\nno_such_directive 1\n", false)]
    public void TheGeneratorWantsTheNetworkOnlyForARemoteTarget(string config, bool wants)
    {
        using var t = new TempRoot();
        t.Write("/etc/kdump.conf", config);
        var output = t.Real("/run/generator");
        var note = SystemdGenerator.Generate(t.Root, output);
        var dropIn = Path.Combine(output, "nkdump.service.d", SystemdGenerator.DropInName);
        Assert.Equal(wants, File.Exists(dropIn));
        if (wants)
        {
            Assert.Contains("Wants=network-online.target\n", File.ReadAllText(dropIn));
            Assert.Contains("needs the network", note);
        }
    }

    [Fact]
    public void ThePackagedUnitIsTheGeneratorsUnit()
    {
        var repository = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repository, "nkdump.sln")))
        {
            repository = Path.GetDirectoryName(repository) ?? throw new InvalidOperationException("nkdump.sln not found above the test binary");
        }

        var packaged = File.ReadAllText(Path.Combine(repository, "packaging", "systemd", "nkdump.service"));
        Assert.Equal(SystemdUnit.Text(alias: true, waitForNetwork: false), packaged);
        Assert.DoesNotContain("Wants=network-online.target", packaged);
        Assert.Contains("Wants=network-online.target", SystemdUnit.Text(alias: true));
    }
}
