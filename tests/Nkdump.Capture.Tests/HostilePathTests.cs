using Nkdump.Capture.Targets;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// Issue 17, findings 4 and 6: a dump is written only inside the target, into a directory the
/// capture creates itself (0700, never one that already exists), and its files are created new
/// (0600, O_EXCL: a planted symbolic link is never followed). At boot (savecore) the same.
/// </summary>
public sealed class HostilePathTests : IDisposable
{
    private const string Uuid = "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
    private const string Name = "127.0.0.1-2026-11-26-09:05:07";
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _outside = new();

    [Fact]
    public void SymlinkInThePathOnTheTargetIsRefused()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\npath /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\nfailure_action poweroff\n");
        System.IO.Directory.CreateDirectory(_t["/kdumproot"]);
        File.CreateSymbolicLink(_t["/kdumproot/var"], _outside.Path);

        Assert.Equal(1, _t.Save());

        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(_outside.Path));
        Assert.Contains($"{_t["/kdumproot/var"]} is a symbolic link", _t.ToString());
        Assert.Equal(["poweroff"], _t.Machine.Actions);
    }

    [Fact]
    public void ExistingDumpDirectoryIsNeitherReusedNorFollowed()
    {
        var victim = _outside.Write("victim", "precious\n"u8.ToArray());
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 31\n");
        var planted = _t[$"/kdumproot/var/crash/{Name}"];
        System.IO.Directory.CreateDirectory(planted);
        foreach (var file in new[] { DirectoryDump.DmesgIncomplete, DirectoryDump.DmesgFile, DirectoryDump.VmcoreIncomplete, DirectoryDump.Vmcore, DirectoryDump.CaptureKernelLog })
        {
            File.CreateSymbolicLink(Path.Combine(planted, file), victim);
        }

        Assert.True(_t.Save() == 0, _t.ToString());

        Assert.Equal("precious\n", File.ReadAllText(victim));
        Assert.Equal(5, System.IO.Directory.GetFileSystemEntries(planted).Length);
        var fresh = _t[$"/kdumproot/var/crash/{Name}-2"];
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(fresh));
        Assert.Equal(["kexec-dmesg.log", "nkdump-errors.txt", "vmcore", "vmcore-dmesg.txt"], System.IO.Directory.GetFiles(fresh).Select(Path.GetFileName).Order());
        Assert.Contains($"{planted} exists already", File.ReadAllText(Path.Combine(fresh, "nkdump-errors.txt")));
        foreach (var file in System.IO.Directory.GetFiles(fresh))
        {
            DumpAssert.OwnerOnlyMode(file);
        }

        Assert.Contains($"{planted} exists already", _t.ToString());
    }

    [Fact]
    public void DumpDirectoryIsOwnerOnly()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 31\n");
        Assert.True(_t.Save() == 0, _t.ToString());
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(_t[$"/kdumproot/var/crash/{Name}"]));
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("/var/crash/../../..")]
    [InlineData("..")]
    public void DotDotPathIsRefusedEvenPastTheConfigCheck(string path)
    {
        var log = new StringWriter();
        var e = Assert.Throws<CaptureFailedException>(() => DumpDirectories.Create(_t.Path, path, Name, new CaptureLog(log)));
        Assert.Contains("'..'", e.Message);
        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(_t.Path));
    }

    [Fact]
    public void SavecoreDoesNotReuseAPlantedDirectory()
    {
        var victim = _outside.Write("victim", "precious\n"u8.ToArray());
        RawDeviceWithOnlyAHeader();
        var planted = _t[$"/var/crash/{Name}"];
        System.IO.Directory.CreateDirectory(planted);
        File.CreateSymbolicLink(Path.Combine(planted, DirectoryDump.VmcoreIncomplete), victim);

        var log = SaveCore(out _);

        Assert.Equal("precious\n", File.ReadAllText(victim));
        var fresh = _t[$"/var/crash/{Name}-2"];
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(fresh));
        DumpAssert.OwnerOnlyMode(Path.Combine(fresh, DirectoryDump.VmcoreIncomplete));
        Assert.Contains("cut short", log);
    }

    [Fact]
    public void SavecoreRefusesASymlinkInThePath()
    {
        RawDeviceWithOnlyAHeader();
        File.CreateSymbolicLink(_t["/var"], _outside.Path);

        var log = SaveCore(out var status);

        Assert.Equal(1, status);
        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(_outside.Path));
        Assert.Contains("is a symbolic link", log);
    }

    /// <summary>A raw device that starts with a flattened header and nothing after it: a dump cut short.</summary>
    private void RawDeviceWithOnlyAHeader()
    {
        var header = new byte[4096];
        "makedumpfile"u8.CopyTo(header);
        header[23] = 1; // type 1, big endian
        header[31] = 1; // version 1
        File.WriteAllBytes(_t.Device("vdc"), header);
        _t.Config("raw /dev/vdc\npath /var/crash\n");
    }

    private string SaveCore(out int status)
    {
        var log = new StringWriter();
        status = new SaveCoreRunner(_t.Root, _t["/etc/kdump.conf"], new FixedClock(CaptureTestRoot.Time), new CaptureLog(log)).Run();
        return log.ToString();
    }

    public void Dispose()
    {
        _t.Dispose();
        _outside.Dispose();
    }
}
