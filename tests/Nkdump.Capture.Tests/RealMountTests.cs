using Nkdump.Capture.Machine;
using Nkdump.Formats;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// The production mount(2) path: an ext4 image on a loop device, found by UUID through its superblock
/// (the fake root's /dev holds a real device node for it), mounted by <see cref="LinuxCaptureMachine"/>,
/// dumped to, and checked clean by e2fsck afterwards. Reboot and the other actions are recorded.
/// Needs root and a loop device (tests run as root here and in CI).
/// </summary>
public sealed class RealMountTests : IDisposable
{
    private const string Uuid = "5d7c1b2a-3e4f-4a5b-9c6d-7e8f9a0b1c2d";
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _images = new();
    private readonly string _image;
    private readonly string _loop;
    private string? _mounted;

    public RealMountTests()
    {
        _image = _images.File("target.img");
        using (var file = File.Create(_image))
        {
            file.SetLength(64 << 20);
        }

        var mkfs = ExternalTool.Run("mkfs.ext4", ["-q", "-F", "-U", Uuid, "-L", "crash", _image]);
        Assert.True(mkfs.ExitCode == 0, mkfs.ToString());
        var losetup = ExternalTool.Run("losetup", ["-f", "--show", _image]);
        Assert.True(losetup.ExitCode == 0, "a loop device needs root: " + losetup);
        _loop = losetup.StandardOutput.Trim();
    }

    [Fact]
    public void Ext4ByUuidIsReallyMountedAndHoldsTheDump()
    {
        var name = Path.GetFileName(_loop);
        Directory.CreateDirectory(_t[$"/sys/class/block/{name}"]);
        Directory.CreateDirectory(_t["/dev"]);
        var numbers = File.ReadAllText($"/sys/class/block/{name}/dev").Trim().Split(':');
        var mknod = ExternalTool.Run("mknod", [_t[$"/dev/{name}"], "b", numbers[0], numbers[1]]);
        Assert.True(mknod.ExitCode == 0, mknod.ToString());
        _t.Config($"ext4 UUID={Uuid}\npath /dumps\ncore_collector makedumpfile -l --message-level 1 -d 31\nfinal_action halt\n");

        var machine = new RealMountMachine(new CaptureLog(_t.Log));
        var code = new SaveRunner(_t.Settings(), machine, new CaptureLog(_t.Log)).Run();
        _mounted = machine.Mounted;

        Assert.True(code == 0, _t.ToString());
        Assert.Equal(["halt"], machine.Actions);
        Assert.Equal(_t["/kdumproot"], _mounted);
        Assert.Contains($"{_loop} {_mounted} ext4", File.ReadAllText("/proc/mounts").Replace(_t[$"/dev/{name}"], _loop, StringComparison.Ordinal));
        var directory = Path.Combine(_mounted!, "dumps/127.0.0.1-2026-11-26-09:05:07");
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));
        Assert.Matches(@"^\[\s*\d+\.\d{6}\] ", File.ReadAllText(Path.Combine(directory, "kexec-dmesg.log"))); // this kernel's log via syslog(2)
        using (var dump = Assert.IsType<KdumpDump>(DumpOpener.Open(Path.Combine(directory, "vmcore"))))
        {
            Assert.Equal(31, dump.Header.DumpLevel);
        }

        Assert.Equal(0, ExternalTool.Run("umount", [_mounted!]).ExitCode);
        _mounted = null;
        var fsck = ExternalTool.Run("e2fsck", ["-f", "-n", _loop]);
        Assert.True(fsck.ExitCode == 0, fsck.ToString());
    }

    public void Dispose()
    {
        if (_mounted is not null)
        {
            ExternalTool.Run("umount", [_mounted]);
        }

        ExternalTool.Run("losetup", ["-d", _loop]);
        _images.Dispose();
        _t.Dispose();
    }

    /// <summary>Real mounts through the production class; the actions that would end the machine are only recorded.</summary>
    private sealed class RealMountMachine(CaptureLog log) : ICaptureMachine
    {
        private readonly LinuxCaptureMachine _linux = new(log);

        public List<string> Actions { get; } = [];

        public string? Mounted { get; private set; }

        public void Mount(string source, string target, string fileSystemType, string? options)
        {
            _linux.Mount(source, target, fileSystemType, options);
            Mounted = target;
        }

        public void BringUp(string device) => throw new InvalidOperationException("no network in this test");

        public void ConfigureInterface(string device, System.Net.IPAddress address, System.Net.IPAddress netmask, System.Net.IPAddress? gateway) =>
            throw new InvalidOperationException("no network in this test");

        public string ReadKernelLog() => _linux.ReadKernelLog();

        public void Reboot() => Actions.Add("reboot");

        public void Halt() => Actions.Add("halt");

        public void PowerOff() => Actions.Add("poweroff");

        public void RunShell() => Actions.Add("shell");
    }
}
