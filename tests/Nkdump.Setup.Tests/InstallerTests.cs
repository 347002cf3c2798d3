using Nkdump.Formats;
using Nkdump.Setup.Service;

namespace Nkdump.Setup.Tests;

public class InstallerTests
{
    private static List<string> Tree(TempRoot t) =>
        Directory.EnumerateFileSystemEntries(t.Path, "*", SearchOption.AllDirectories)
            .Select(p => p[t.Path.Length..]).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void InstallPutsBinaryUnitAliasAndConfigAndUninstallRemovesExactlyThem()
    {
        using var t = new TempRoot();
        var binary = t.Write("/build/nkdump", "binary");
        t.Write("/etc/hostname", "keep-me\n");
        var before = Tree(t);
        var log = new StringWriter();
        new Installer(t.Root, log).Install(binary);

        Assert.Equal("binary", t.Read(Installer.BinaryPath));
        Assert.Contains("Alias=kdump.service", t.Read("/etc/systemd/system/nkdump.service"));
        Assert.Contains("ExecStart=/usr/sbin/nkdump start", t.Read("/etc/systemd/system/nkdump.service"));
        Assert.Equal("nkdump.service", new FileInfo(t.Real("/etc/systemd/system/kdump.service")).LinkTarget);
        Assert.Equal(Installer.DefaultConfig, t.Read("/etc/kdump.conf"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            File.GetUnixFileMode(t.Real(Installer.BinaryPath)));
        Assert.Empty(Config.KdumpConfigParser.Load(t.Real("/etc/kdump.conf")).Warnings);

        // Installing again (an upgrade) is fine.
        t.Write("/build/nkdump", "binary v2");
        new Installer(t.Root, log).Install(binary);
        Assert.Equal("binary v2", t.Read(Installer.BinaryPath));

        Assert.Empty(new Installer(t.Root, log).Uninstall());
        Assert.Equal(before, Tree(t));
    }

    [Fact]
    public void ExistingConfigAndOtherKdumpServiceAreLeftAlone()
    {
        using var t = new TempRoot();
        var binary = t.Write("/build/nkdump", "binary");
        t.Write("/etc/kdump.conf", "path /srv/crash\n");
        t.Write("/usr/lib/systemd/system/kdump.service", "[Unit]\n");
        new Installer(t.Root, TextWriter.Null).Install(binary);
        Assert.DoesNotContain("Alias=", t.Read("/etc/systemd/system/nkdump.service"));
        Assert.False(Path.Exists(t.Real("/etc/systemd/system/kdump.service")));

        new Installer(t.Root, TextWriter.Null).Uninstall();
        Assert.Equal("path /srv/crash\n", t.Read("/etc/kdump.conf"));
        Assert.True(File.Exists(t.Real("/usr/lib/systemd/system/kdump.service")));
        Assert.False(File.Exists(t.Real(Installer.BinaryPath)));
    }

    [Fact]
    public void ChangedFilesAreKeptOnUninstall()
    {
        using var t = new TempRoot();
        new Installer(t.Root, TextWriter.Null).Install(t.Write("/build/nkdump", "binary"));
        File.AppendAllText(t.Real("/etc/kdump.conf"), "final_action poweroff\n");
        var kept = new Installer(t.Root, TextWriter.Null).Uninstall();
        Assert.Equal([t.Real("/etc/kdump.conf")], kept);
        Assert.False(File.Exists(t.Real(Installer.BinaryPath)));
    }

    [Fact]
    public void ForeignBinaryIsNotOverwrittenAndNothingIsWritten()
    {
        using var t = new TempRoot();
        t.Write(Installer.BinaryPath, "someone else's");
        var e = Assert.Throws<NkdumpException>(() => new Installer(t.Root, TextWriter.Null).Install(t.Write("/build/nkdump", "binary")));
        Assert.Contains("not installed by nkdump", e.Message);
        Assert.Equal("someone else's", t.Read(Installer.BinaryPath));
        Assert.False(File.Exists(t.Real("/etc/systemd/system/nkdump.service")));
        Assert.False(File.Exists(t.Real("/etc/kdump.conf")));
    }

    [Fact]
    public void UninstallWithoutManifestIsAClearError()
    {
        using var t = new TempRoot();
        Assert.Contains("nothing was installed", Assert.Throws<NkdumpException>(() => new Installer(t.Root, TextWriter.Null).Uninstall()).Message);
    }

    [Fact]
    public void CaptureInitMountsAndLoadsModulesInOrder()
    {
        using var t = new TempRoot();
        var list = t.Write("/etc/nkdump/modules.load", "/lib/modules/x/a.ko\n/lib/modules/x/b.ko.zst\n");
        var calls = new List<string>();
        new CaptureInit(new FakeSystemCalls(calls), TextWriter.Null).Prepare(list);
        Assert.Equal(["mount proc /proc", "mount sysfs /sys", "mount devtmpfs /dev", "mount tmpfs /run", "load /lib/modules/x/a.ko", "load /lib/modules/x/b.ko.zst"], calls);
    }

    private sealed class FakeSystemCalls(List<string> calls) : ICaptureSystem
    {
        public void Mount(string source, string target, string fileSystemType) => calls.Add($"mount {fileSystemType} {target}");

        public void LoadModule(string path) => calls.Add($"load {path}");

        public void Reboot() => calls.Add("reboot");
    }
}
