using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// keep_free_space on a real small file system: a 96 MiB ext4 image loop-mounted where the capture
/// mounts its target, filled by real captures of the fixture crashes (about 20 MiB each), with
/// statvfs telling the free space. And a retention that fails (a file in an old dump made
/// immutable, which even root cannot remove) must not cost the new vmcore. Needs root and a loop
/// device (tests run as root here and in CI).
/// </summary>
public sealed class RetentionOnSmallFileSystemTests : IDisposable
{
    private const string Collector = "core_collector makedumpfile -l --message-level 1 -d 31\n";
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _images = new();
    private readonly string _mountPoint;
    private string? _immutable;

    public RetentionOnSmallFileSystemTests()
    {
        _t.Device("vdz");
        var image = _images.File("small.img");
        using (var file = File.Create(image))
        {
            file.SetLength(96 << 20);
        }

        var mkfs = ExternalTool.Run("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
        Assert.True(mkfs.ExitCode == 0, mkfs.ToString());
        _mountPoint = Directory.CreateDirectory(_t["/kdumproot"]).FullName;
        var mount = ExternalTool.Run("mount", ["-o", "loop", image, _mountPoint]);
        Assert.True(mount.ExitCode == 0, "a loop mount needs root: " + mount);
    }

    private string SaveAt(int hour, string fixture, string config)
    {
        _t.Config("ext4 /dev/vdz\npath /var/crash\n" + Collector + config);
        var settings = _t.Settings(Fixtures.ElfVmcore(fixture)) with { Clock = new FixedClock(new DateTime(2026, 11, 26, hour, 0, 0)) };
        Assert.True(new SaveRunner(settings, new RecordingMachine(), new CaptureLog(_t.Log)).Run() == 0, _t.ToString());
        return Path.Combine(_mountPoint, $"var/crash/127.0.0.1-2026-11-26-{hour:00}:00:00");
    }

    [Fact]
    public void KeepFreeSpaceRemovesTheOldestUntilTheNewDumpAndTheReserveFit()
    {
        var first = SaveAt(8, CaptureTestRoot.Fixture, "");
        var second = SaveAt(9, DumpStoreTests.NewFixture, "");
        var size = new FileInfo(Path.Combine(second, "vmcore")).Length;
        var free = new DriveInfo(_mountPoint).AvailableFreeSpace;

        // A reserve that leaves less than a dump's room now, but enough once the oldest is gone.
        var reserve = free - size + (size / 2);
        var third = SaveAt(10, CaptureTestRoot.Fixture, $"keep_free_space {reserve / 1024}K\n");

        Assert.False(Directory.Exists(first), _t.ToString());
        Assert.True(File.Exists(Path.Combine(second, "vmcore")));
        Assert.True(File.Exists(Path.Combine(third, "vmcore")));
        Assert.Contains($"nkdump: removed {first} (", _t.ToString(), StringComparison.Ordinal);
        Assert.Contains("wanted (keep_free_space and the new dump)", _t.ToString(), StringComparison.Ordinal);
        // The only incident: the free space is below the crashed machine's RAM (a warning every small target gets).
        Assert.DoesNotContain("retention", File.ReadAllText(Path.Combine(third, CaptureLog.IncidentsFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void ARetentionFailureIsRecordedAndTheVmcoreIsSavedAllTheSame()
    {
        var first = SaveAt(8, CaptureTestRoot.Fixture, "");
        _immutable = Path.Combine(first, "vmcore-dmesg.txt");
        var chattr = ExternalTool.Run("chattr", ["+i", _immutable]);
        Assert.True(chattr.ExitCode == 0, chattr.ToString());

        var second = SaveAt(9, DumpStoreTests.NewFixture, "keep_dumps 1\n");

        Assert.True(File.Exists(Path.Combine(second, "vmcore")), _t.ToString());
        Assert.False(File.Exists(Path.Combine(second, "vmcore-incomplete")));
        var incidents = File.ReadAllText(Path.Combine(second, CaptureLog.IncidentsFile));
        Assert.Contains("error: retention (keep_dumps 1) failed:", incidents, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (_immutable is not null)
        {
            ExternalTool.Run("chattr", ["-i", _immutable]);
        }

        ExternalTool.Run("umount", [_mountPoint]);
        _t.Dispose();
        _images.Dispose();
    }
}
