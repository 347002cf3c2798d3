using Nkdump.Config;

namespace Nkdump.Capture.Tests;

/// <summary>dump_layout: kdump-tools' names (debian) beside kdump-utils' (redhat), with the same guarantees.</summary>
public sealed class DumpLayoutTests : IDisposable
{
    private static readonly DateTime When = new(2026, 11, 26, 9, 5, 7);
    private readonly CaptureTestRoot _t = new();

    public void Dispose() => _t.Dispose();

    [Fact]
    public void DebianNamesFollowKdumpTools()
    {
        var local = DumpNames.For(DumpLayout.Debian, "10.0.2.15", When, network: false);
        Assert.Equal(("202611260905", "dump.202611260905", "dmesg.202611260905"), (local.Directory, local.Vmcore, local.Dmesg));
        Assert.Equal("10.0.2.15-202611260905", DumpNames.For(DumpLayout.Debian, "10.0.2.15", When, network: true).Directory);
        Assert.Throws<ArgumentException>(() => DumpNames.For(DumpLayout.Debian, "a/b", When, network: true));
    }

    [Fact]
    public void RedHatNamesAreTheDefault()
    {
        var names = DumpNames.For(KdumpConfigParser.Parse("path /var/crash\n").DumpLayout, "10.0.2.15", When, network: false);
        Assert.Equal(("10.0.2.15-2026-11-26-09:05:07", "vmcore", "vmcore-dmesg.txt"), (names.Directory, names.Vmcore, names.Dmesg));
    }

    [Fact]
    public void DebianLayoutSavesDumpAndDmesgOwnerOnlyAndTakesAFreshDirectory()
    {
        _t.Device("vda1", "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b", "root");
        _t.Device("vda");
        _t.Write("/proc/cmdline", "root=UUID=3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b ro\n");
        _t.Config("path /var/crash\ndump_layout debian\ncore_collector makedumpfile -l --message-level 1 -d 31\n");
        Directory.CreateDirectory(_t["/sysroot/var/crash/202611260905"]); // a second crash in the same minute

        Assert.True(_t.Save() == 0, _t.ToString());

        var directory = _t["/sysroot/var/crash/202611260905-2"];
        Assert.Equal(["dmesg.202611260905", "dump.202611260905", "kexec-dmesg.log", "nkdump-errors.txt"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        Assert.Contains("202611260905 exists already", File.ReadAllText(Path.Combine(directory, "nkdump-errors.txt")));
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "dmesg.202611260905")));
        DumpAssert.OwnerOnlyMode(Path.Combine(directory, "dump.202611260905"));
        DumpAssert.OwnerOnlyMode(Path.Combine(directory, "dmesg.202611260905"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
    }
}
