using Nkdump.Config;
using Nkdump.Setup.Files;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

/// <summary>
/// Issue 17, finding 5: the capture initramfs holds the ssh private key. Its temporary file is
/// 0600 from the moment it exists (not made 0600 after the whole image is written), and the state
/// directory it lives in is 0700.
/// </summary>
public class SecretFileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;
    private const UnixFileMode Public = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Theory]
    [InlineData(0x180)] // 0600: the image
    [InlineData(0x1A4)] // 0644: a public file, made public only at the end
    public void TemporaryIsOwnerOnlyFromTheStart(int finalMode)
    {
        using var t = new TempRoot();
        var path = t.Real("/image.img");
        UnixFileMode? seen = null;

        AtomicFile.Write(path, new byte[1 << 20], backup: false, (UnixFileMode)finalMode, onTemporaryCreated: temp => seen = File.GetUnixFileMode(temp));

        Assert.Equal(OwnerOnly, seen);
        Assert.Equal((UnixFileMode)finalMode, File.GetUnixFileMode(path));
    }

    [Fact]
    public void ReplacedFileKeepsItsModeButTheTemporaryWasOwnerOnly()
    {
        using var t = new TempRoot();
        var path = t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX=\"\"\n");
        File.SetUnixFileMode(path, Public);
        UnixFileMode? seen = null;

        AtomicFile.Write(path, "GRUB_CMDLINE_LINUX=\"crashkernel=256M\"\n"u8, backup: true, mode: null, onTemporaryCreated: temp => seen = File.GetUnixFileMode(temp));

        Assert.Equal(OwnerOnly, seen);
        Assert.Equal(Public, File.GetUnixFileMode(path));
    }

    [Fact]
    public void StateDirectoryIsOwnerOnlyEvenWhenItExistedOpen()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\n");
        Directory.CreateDirectory(t.Real(CaptureInitramfs.StateDirectory));
        File.SetUnixFileMode(t.Real(CaptureInitramfs.StateDirectory), OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));

        CaptureInitramfs.Build(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), force: true);

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(t.Real(CaptureInitramfs.StateDirectory)));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(t.Real(CaptureInitramfs.ImagePath(FakeSystem.Release))));
    }

    [Fact]
    public void NewStateDirectoryIsOwnerOnly()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "path /var/crash\n");
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));

        CaptureInitramfs.Build(t.Root, new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")), force: true);

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(t.Real(CaptureInitramfs.StateDirectory)));
    }
}
