using Nkdump.Formats;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Kexec;
using Nkdump.Setup.Service;

namespace Nkdump.Setup.Tests;

/// <summary>
/// Issue 20, item 3: `start` checks the dump target before it loads anything — an ssh path writable
/// with room for the dump, an NFS export that mounts and takes a file, a local device that exists with
/// a file system the capture kernel can mount — and `status` reports a failed start with its reason.
/// </summary>
public class TargetChecksTests
{
    private static (TempRoot Root, KdumpService Service, List<IReadOnlyList<string>> Runs, StringWriter Log) Setup(
        string config, Func<IReadOnlyList<string>, TextWriter, int>? run = null, bool mountNfs = true)
    {
        var t = new TempRoot();
        FakeSystem.Populate(t, config);
        t.Write("/sys/kernel/kexec_crash_size", "268435456\n");
        t.Write("/sys/kernel/kexec_crash_loaded", "0\n");
        t.Write("/proc/meminfo", "MemTotal:        8038400 kB\nMemFree:  100 kB\nMemAvailable:    6000000 kB\n");
        t.Write("/usr/bin/ssh", "#!/bin/sh\n");
        if (mountNfs)
        {
            t.Write("/sbin/mount.nfs", "#!/bin/sh\n");
        }

        var key = t.Write("/root/.ssh/kdump_id_ed25519", "key\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        t.Write("/root/.ssh/known_hosts", "backup.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        var runs = new List<IReadOnlyList<string>>();
        var log = new StringWriter();
        CommandRunner runner = (argv, output) =>
        {
            runs.Add(argv);
            return run?.Invoke(argv, output) ?? 0;
        };
        var service = new KdumpService(t.Root, new RootSimulatedKexecLoader(t.Root), t.Real("/etc/kdump.conf"), null, log) { SshRunner = runner, NfsRunner = runner };
        return (t, service, runs, log);
    }

    private const string SshConfig = "ssh kdump@backup.example\nsshkey /root/.ssh/kdump_id_ed25519\npath /srv/dumps\n";

    [Fact]
    public void SshStartReportsTheFreeSpaceAndWarnsWhenItIsLessThanTheMemoryInUse()
    {
        var (t, service, runs, log) = Setup(SshConfig, (_, output) =>
        {
            output.Write("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 4096000 4000000 96000 98% /srv\n");
            return 0;
        });
        using (t)
        {
            Assert.True(service.Start(), log.ToString());
            var script = Assert.Single(runs)[^1];
            Assert.Contains("mkdir -p '/srv/dumps'", script);
            Assert.Contains("test -w '/srv/dumps'", script);
            Assert.Contains("df -P -k '/srv/dumps'", script);
            Assert.Contains("/srv/dumps exists there and is writable, 93 MiB free", log.ToString());
            Assert.Contains("warning: kdump@backup.example:/srv/dumps has 93 MiB free, less than the 1990 MiB of memory in use", log.ToString());
        }
    }

    [Theory]
    [InlineData(3, "cannot be created there")]
    [InlineData(4, "is not writable there")]
    public void AnSshPathThatCannotTakeTheDumpStopsStartAndStatusSaysWhy(int status, string expected)
    {
        var (t, service, _, _) = Setup(SshConfig, (_, output) =>
        {
            output.Write("kdump cannot write there\n");
            return status;
        });
        using (t)
        {
            var e = Assert.Throws<NkdumpException>(() => service.Start());
            Assert.Contains($"accepts the capture's connection, but /srv/dumps {expected}", e.Message);
            Assert.Equal("0\n", t.Read("/sys/kernel/kexec_crash_loaded"));

            var state = service.Status();
            Assert.False(state.Operational);
            Assert.Contains("no capture kernel is loaded: the last start failed (", state.Reason);
            Assert.Contains(expected, state.Reason);
        }
    }

    [Fact]
    public void ASuccessfulStartForgetsTheEarlierFailure()
    {
        var fail = true;
        var (t, service, _, _) = Setup(SshConfig, (_, _) => fail ? 255 : 0);
        using (t)
        {
            Assert.Throws<NkdumpException>(() => service.Start());
            Assert.True(File.Exists(t.Real(KdumpService.RuntimeDirectory + "/" + KdumpService.StartFailureFile)));
            fail = false;
            Assert.True(service.Start());
            Assert.False(File.Exists(t.Real(KdumpService.RuntimeDirectory + "/" + KdumpService.StartFailureFile)));
            Assert.True(service.Status().Operational);
        }
    }

    [Fact]
    public void NfsStartMountsTheExportWritesAProbeAndUnmounts()
    {
        string? mountPoint = null;
        var (t, service, runs, log) = Setup("nfs server.example:/export\npath /crash\n", (argv, _) =>
        {
            if (argv[0] == "mount")
            {
                mountPoint = argv[^1];
            }
            else if (argv[0] == "umount")
            {
                Directory.Delete(Path.Combine(argv[1], "crash")); // what the export held is out of sight again
            }

            return 0;
        });
        using (t)
        {
            Assert.True(service.Start(), log.ToString());
            Assert.Equal(["mount", "-t", "nfs", "-o", "soft,timeo=50,retrans=1", "server.example:/export", mountPoint!], runs[0]);
            Assert.Equal(["umount", mountPoint!], runs[1]);
            Assert.StartsWith(t.Real("/run/nkdump/nfs-test-"), mountPoint);
            Assert.False(Directory.Exists(mountPoint), "the scratch mount point is removed");
            Assert.Contains("NFS target server.example:/export mounts from this machine; /crash exists there and is writable", log.ToString());
        }
    }

    [Fact]
    public void AnNfsExportThatDoesNotMountStopsStart()
    {
        var (t, service, runs, _) = Setup("nfs server.example:/export\npath /crash\n", (argv, output) =>
        {
            output.Write("mount.nfs: Connection timed out\n");
            return 32;
        });
        using (t)
        {
            var e = Assert.Throws<NkdumpException>(() => service.Start());
            Assert.Contains("the NFS target server.example:/export (line 1) cannot be mounted from this machine (mount exit status 32: mount.nfs: Connection timed out)", e.Message);
            Assert.Single(runs);
            Assert.Empty(Directory.GetDirectories(t.Real("/run/nkdump")));
        }
    }

    [Fact]
    public void WithoutMountNfsTheNfsTestIsSkippedWithAWarning()
    {
        var (t, service, runs, log) = Setup("nfs server.example:/export\npath /crash\n", mountNfs: false);
        using (t)
        {
            Assert.True(service.Start(), log.ToString());
            Assert.Empty(runs);
            Assert.Contains("warning: cannot test the NFS target server.example:/export: this machine has no mount.nfs", log.ToString());
        }
    }

    [Fact]
    public void ALocalFileSystemTheCaptureKernelCannotMountStopsStart()
    {
        var (t, service, _, _) = Setup("btrfs /dev/vdb\npath /var/crash\n");
        using (t)
        {
            t.Write("/dev/vdb", "");
            var e = Assert.Throws<NkdumpException>(() => service.Start());
            Assert.Contains($"dump target btrfs /dev/vdb (line 1): kernel {FakeSystem.Release} cannot mount btrfs: no btrfs module in /lib/modules/{FakeSystem.Release}/modules.dep and not built in", e.Message);
        }
    }

    [Theory]
    [InlineData("ext4 /dev/vdb\n")]
    [InlineData("xfs /dev/vdb\n")]
    [InlineData("ext3 /dev/vdb\n")]
    public void AModuleOrABuiltInFileSystemPasses(string target)
    {
        var (t, service, _, log) = Setup(target + "path /var/crash\n");
        using (t)
        {
            t.Write("/dev/vdb", "");
            Assert.Empty(service.CheckEnvironment(Config.KdumpConfigParser.Load(t.Real("/etc/kdump.conf"))));
        }
    }
}
