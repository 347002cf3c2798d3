using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>save and savecore through the command line, under --root (mounts and reboots are printed, not done).</summary>
public sealed class CaptureCommandTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private readonly TempDirectory _root = new();

    [Fact]
    public void SaveToALocalDeviceUnderRootPrintsTheMountAndTheFinalAction()
    {
        Device("vdb");
        Write("etc/kdump.conf", "ext4 /dev/vdb\npath /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\nfinal_action halt\n");

        var (code, output, error) = CliRunner.Run("save", "--root", _root.Path, "--vmcore", Fixtures.ElfVmcore(Fixture));

        Assert.True(code == 0, error);
        Assert.Equal($"mount -t ext4 {_root.File("dev/vdb")} {_root.File("kdumproot")}\nhalt\n", output);
        Assert.Contains("nkdump: saving vmcore complete", error);
        var directory = Assert.Single(Directory.GetDirectories(_root.File("kdumproot/var/crash")));
        Assert.Matches(@"/127\.0\.0\.1-\d{4}-\d\d-\d\d-\d\d:\d\d:\d\d$", directory);
        Assert.Equal(
            File.ReadAllText(Fixtures.Expected(Fixture, "dmesg.makedumpfile.txt")),
            File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));
        var (infoCode, info, _) = CliRunner.Run("info", Path.Combine(directory, "vmcore"));
        Assert.Equal(0, infoCode);
        Assert.Contains("lzo", info);
    }

    [Fact]
    public void SaveThenSavecoreThroughARawDevice()
    {
        Device("vdc");
        Write("etc/kdump.conf", "raw /dev/vdc\npath /var/crash\ncore_collector makedumpfile -F -z --message-level 1 -d 31\n");

        var save = CliRunner.Run("save", "--root", _root.Path, "--vmcore", Fixtures.ElfVmcore(Fixture));
        Assert.True(save.ExitCode == 0, save.Error);
        Assert.Equal("reboot\n", save.Out);

        var savecore = CliRunner.Run("savecore", "--root", _root.Path);
        Assert.True(savecore.ExitCode == 0, savecore.Error);
        var directory = Assert.Single(Directory.GetDirectories(_root.File("var/crash")));
        var (infoCode, info, _) = CliRunner.Run("info", Path.Combine(directory, "vmcore"));
        Assert.Equal(0, infoCode);
        Assert.Contains("zstd", info);

        var again = CliRunner.Run("savecore", "--root", _root.Path);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nkdump: no dump on /dev/vdc", again.Error);
    }

    [Fact]
    public void SaveOutsideACaptureKernelRefusesWithoutTouchingTheMachine()
    {
        var (code, output, error) = CliRunner.Run("save", "--vmcore", _root.File("no-such-vmcore"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output);
        Assert.Contains("save runs in a capture kernel", error);
    }

    [Fact]
    public void SaveTakesNoPositionalArguments() =>
        Assert.Equal(ExitCodes.Usage, CliRunner.Run("save", "/proc/vmcore").ExitCode);

    private void Device(string name)
    {
        Directory.CreateDirectory(_root.File("sys/class/block/" + name));
        Write("dev/" + name, "");
    }

    private void Write(string relative, string text)
    {
        var path = _root.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose() => _root.Dispose();
}
