using Nkdump.Capture.Targets;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>`nkdump save` to local file systems, on the real 6.1 crash (the collector runs for real).</summary>
public sealed class SaveToFileSystemTests : IDisposable
{
    private const string Uuid = "3f0e8c4a-1b2d-4e5f-8a9b-0c1d2e3f4a5b";
    private readonly CaptureTestRoot _t = new();

    [Fact]
    public void Ext4ByUuidGetsDmesgThenVmcoreAtTheConfiguredLevel()
    {
        var device = _t.Device("vdb", Uuid, "crash");
        _t.Write("/bin/post", "#!/bin/sh\necho \"$1\" > \"$(dirname \"$0\")/../post-status\"\n", executable: true);
        _t.Config($"ext4 UUID={Uuid.ToUpperInvariant()}\npath /var/crash\ncore_collector makedumpfile -c --message-level 1 -d 17\nkdump_post /bin/post\nfinal_action poweroff\n");

        Assert.True(_t.Save() == 0, _t.ToString());

        var directory = _t["/kdumproot/var/crash/127.0.0.1-2026-11-26-09:05:07"];
        Assert.Equal([$"mount ext4 {device} {_t["/kdumproot"]}", "poweroff"], _t.Machine.Calls);
        Assert.Equal(["kexec-dmesg.log", "vmcore", "vmcore-dmesg.txt"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        Assert.Equal(_t.Machine.KernelLog, File.ReadAllText(Path.Combine(directory, "kexec-dmesg.log")));
        DumpAssert.OwnerOnlyMode(Path.Combine(directory, "kexec-dmesg.log"));
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));
        DumpAssert.OwnerOnlyMode(Path.Combine(directory, "vmcore"));
        DumpAssert.OwnerOnlyMode(Path.Combine(directory, "vmcore-dmesg.txt"));
        using (var dump = Assert.IsType<KdumpDump>(DumpOpener.Open(Path.Combine(directory, "vmcore"))))
        {
            Assert.Equal(17, dump.Header.DumpLevel);
            Assert.Equal(PageCompression.Zlib, dump.Header.Compression);
            Assert.False(dump.Header.IsIncomplete);
        }

        Assert.Equal("0", File.ReadAllText(_t["/post-status"]).Trim());
        var log = _t.ToString();
        Assert.True(log.IndexOf("saving vmcore-dmesg.txt complete", StringComparison.Ordinal) < log.IndexOf("saving vmcore complete", StringComparison.Ordinal), log);
        Assert.All(log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("saving", StringComparison.Ordinal)), l => Assert.StartsWith("nkdump: ", l));
    }

    [Fact]
    public void PathAloneMountsTheRootFileSystemFromTheCommandLine()
    {
        var device = _t.Device("vda1", Uuid, "root");
        _t.Device("vda");
        _t.Write("/proc/cmdline", $"BOOT_IMAGE=/vmlinuz root=UUID={Uuid} ro console=ttyS0 irqpoll nr_cpus=1\n");
        _t.Config("path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\n");

        Assert.True(_t.Save() == 0, _t.ToString());

        Assert.Equal([$"mount ext4 {device} {_t["/sysroot"]}", "reboot"], _t.Machine.Calls);
        var vmcore = _t["/sysroot/var/crash/127.0.0.1-2026-11-26-09:05:07/vmcore"];
        using var dump = Assert.IsType<KdumpDump>(DumpOpener.Open(vmcore));
        Assert.Equal(31, dump.Header.DumpLevel);
        Assert.Equal(PageCompression.Lzo, dump.Header.Compression);
    }

    [Fact]
    public void MissingTargetTakesFailureActionAndNotFinalAction()
    {
        _t.Device("vdb");
        _t.Write("/bin/post", "#!/bin/sh\necho \"$1\" > \"$(dirname \"$0\")/../post-status\"\n", executable: true);
        _t.Config($"xfs LABEL=nowhere\nkdump_post /bin/post\nfailure_action halt\nfinal_action poweroff\n");

        Assert.Equal(1, _t.Save());

        Assert.Equal(["halt"], _t.Machine.Calls);
        Assert.Contains("nkdump: error: dump target 'xfs LABEL=nowhere' not found", _t.ToString());
        Assert.Equal("1", File.ReadAllText(_t["/post-status"]).Trim());
        Assert.False(Directory.Exists(_t["/kdumproot/var"]));
    }

    [Fact]
    public void FailingKdumpPreSkipsTheDumpAndTakesFinalAction()
    {
        _t.Device("vdb", Uuid);
        _t.Write("/bin/pre", "#!/bin/sh\nexit 3\n", executable: true);
        _t.Config($"ext4 UUID={Uuid}\nkdump_pre /bin/pre\nfailure_action halt\nfinal_action poweroff\n");

        Assert.Equal(1, _t.Save());

        // kdump-utils (kdump.sh, and kdump.conf(5)): a non-zero kdump_pre means "run the final action".
        Assert.Equal(["poweroff"], _t.Machine.Calls);
        Assert.Contains("kdump_pre /bin/pre exited with status 3", _t.ToString());
        Assert.False(Directory.Exists(_t["/kdumproot"]));
    }

    [Fact]
    public void ShellFailureActionIsFollowedByFinalAction()
    {
        _t.Config("ext4 /dev/missing\nfailure_action shell\nfinal_action halt\n");

        Assert.Equal(1, _t.Save());

        Assert.Equal(["shell", "halt"], _t.Machine.Calls);
    }

    [Fact]
    public void DumpToRootfsFailureActionSavesOnTheRootFileSystem()
    {
        var root = _t.Device("vda1", Uuid);
        _t.Write("/proc/cmdline", "root=/dev/vda1 rootfstype=xfs\n");
        _t.Config("ext4 LABEL=gone\npath /crash\ncore_collector makedumpfile -l --message-level 1 -d 31\nfailure_action dump_to_rootfs\n");

        Assert.Equal(1, _t.Save());

        Assert.Equal([$"mount xfs {root} {_t["/sysroot"]}", "reboot"], _t.Machine.Calls);
        Assert.True(File.Exists(_t["/sysroot/crash/127.0.0.1-2026-11-26-09:05:07/vmcore"]), _t.ToString());
    }

    [Fact]
    public void FullTargetKeepsAReadableIncompleteVmcoreAndTakesFailureAction()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 31\nfailure_action reboot\nfinal_action poweroff\n");
        string? mounted = null;
        _t.Machine.OnMount = (_, target, _, _) =>
        {
            SmallTmpfs.Mount(target, "4m");
            mounted = target;
        };

        try
        {
            Assert.Equal(1, _t.Save());

            var directory = _t["/kdumproot/var/crash/127.0.0.1-2026-11-26-09:05:07"];
            Assert.Equal(["reboot"], _t.Machine.Actions);
            Assert.False(File.Exists(Path.Combine(directory, "vmcore")));
            Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));
            var incomplete = Path.Combine(directory, DirectoryDump.VmcoreIncomplete);
            DumpAssert.OwnerOnlyMode(incomplete);
            using var dump = Assert.IsType<KdumpDump>(DumpOpener.Open(incomplete));
            Assert.True(dump.Header.IsIncomplete);
            var page = new byte[4096];
            var readable = 0;
            for (ulong pfn = 0; pfn < dump.Memory.MaxPfn; pfn++)
            {
                readable += dump.Memory.TryRead(pfn * 4096, page, out _) ? 1 : 0;
            }

            Assert.True(readable > 1000, $"only {readable} pages of the incomplete dump read");
            Assert.Contains("is kept as", _t.ToString());
        }
        finally
        {
            if (mounted is not null)
            {
                ExternalTool.Run("umount", [mounted]);
            }
        }
    }

    [Fact]
    public void TargetWithoutRoomForTheHeadersGetsOnlyTheLog()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\nfailure_action poweroff\n");
        string? mounted = null;
        _t.Machine.OnMount = (_, target, _, _) =>
        {
            SmallTmpfs.Mount(target, "64k");
            mounted = target;
        };

        try
        {
            Assert.Equal(1, _t.Save());

            Assert.Equal(["poweroff"], _t.Machine.Actions);
            Assert.Contains("but even the headers and log of the dump need", _t.ToString());
            var directory = _t["/kdumproot/var/crash/127.0.0.1-2026-11-26-09:05:07"];
            Assert.Equal(["kexec-dmesg.log", "nkdump-errors.txt", "vmcore-dmesg.txt"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
            Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));
            Assert.Contains("but even the headers and log of the dump need", File.ReadAllText(Path.Combine(directory, "nkdump-errors.txt")));
        }
        finally
        {
            if (mounted is not null)
            {
                ExternalTool.Run("umount", [mounted]);
            }
        }
    }

    [Fact]
    public void RoomyTargetLogsTheFreeSpaceCheck()
    {
        _t.Device("vdb", Uuid);
        _t.Config($"ext4 UUID={Uuid}\ncore_collector makedumpfile -l --message-level 1 -d 31\n");
        Assert.True(_t.Save() == 0, _t.ToString());
        Assert.Matches(@"nkdump: (\S+: \d+ bytes free, enough for all \d+ bytes of RAM|warning: \S+: \d+ bytes free for a machine of \d+ bytes of RAM)", _t.ToString());
    }

    [Fact]
    public void UnreadableVmcoreTakesFailureAction()
    {
        _t.Device("vdb", Uuid);
        _t.Write("/proc/vmcore", "not a dump at all, just text that is long enough to be probed as nothing known");
        _t.Config($"ext4 UUID={Uuid}\nfailure_action poweroff\nfinal_action halt\n");

        Assert.Equal(1, _t.Save(vmcore: _t["/proc/vmcore"]));

        Assert.Equal(["poweroff"], _t.Machine.Actions);
        Assert.Contains($"nkdump: error: cannot read {_t["/proc/vmcore"]}", _t.ToString());
    }

    public void Dispose() => _t.Dispose();
}
