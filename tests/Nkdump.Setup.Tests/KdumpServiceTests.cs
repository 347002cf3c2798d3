using Nkdump.Formats;
using Nkdump.Setup.Initramfs;
using Nkdump.Setup.Kexec;
using Nkdump.Setup.Service;

namespace Nkdump.Setup.Tests;

public class KdumpServiceTests
{
    /// <summary>Records what would be loaded; loads nothing.</summary>
    private sealed class RecordingLoader(TempRoot t, int? failWith = null) : IKexecLoader
    {
        public List<(string Kernel, string Initramfs, string CommandLine)> Loads { get; } = [];

        public int Unloads { get; private set; }

        public void LoadCrash(string kernel, string initramfs, string commandLine)
        {
            if (failWith is { } errno)
            {
                throw new KexecException(errno, KexecErrors.Describe(errno, kernel));
            }

            Loads.Add((kernel, initramfs, commandLine));
            t.Write("/sys/kernel/kexec_crash_loaded", "1\n");
        }

        public void UnloadCrash()
        {
            Unloads++;
            t.Write("/sys/kernel/kexec_crash_loaded", "0\n");
        }
    }

    private static (TempRoot Root, RecordingLoader Loader, KdumpService Service, StringWriter Log) Setup(string reserved = "268435456", int? failWith = null, string config = "path /var/crash\n")
    {
        var t = new TempRoot();
        FakeSystem.Populate(t, config);
        t.Write("/sys/kernel/kexec_crash_size", reserved + "\n");
        t.Write("/sys/kernel/kexec_crash_loaded", "0\n");
        var loader = new RecordingLoader(t, failWith);
        var log = new StringWriter();
        return (t, loader, new KdumpService(t.Root, loader, t.Real("/etc/kdump.conf"), null, log), log);
    }

    [Fact]
    public void StartBuildsLoadsAndStatusIsOperational()
    {
        var (t, loader, service, log) = Setup();
        using (t)
        {
            Assert.False(service.Status().Operational);
            Assert.True(service.Start());
            var load = Assert.Single(loader.Loads);
            Assert.Equal(t.Real($"/boot/vmlinuz-{FakeSystem.Release}"), load.Kernel);
            Assert.Equal(t.Real(CaptureInitramfs.ImagePath(FakeSystem.Release)), load.Initramfs);
            Assert.Contains("irqpoll nr_cpus=1 reset_devices", load.CommandLine);
            Assert.DoesNotContain("crashkernel", load.CommandLine);
            Assert.Contains("capture initramfs built", log.ToString());
            Assert.True(service.Status().Operational);

            Assert.Empty(service.Status().Warnings);
            File.AppendAllText(t.Real("/etc/kdump.conf"), "final_action halt\n");
            Assert.Contains(service.Status().Warnings, w => w.Contains("out of date"));

            Assert.False(service.Start()); // already loaded
            service.Stop();
            Assert.Equal(1, loader.Unloads);
            Assert.False(service.Status().Operational);

            service.Restart();
            Assert.Equal(2, loader.Loads.Count);
            Assert.Contains("capture initramfs built (an input changed)", log.ToString());
        }
    }

    [Theory]
    [InlineData("1073741824", 4)] // 1 GiB: room for every online CPU
    [InlineData("134217728", 1)]  // 128 MiB: below the one-CPU estimate
    public void CaptureCpusAutoChoosesNrCpusFromTheReservation(string reserved, int expected)
    {
        var (t, loader, service, log) = Setup(reserved, config: "path /var/crash\ncapture_cpus auto\n");
        using (t)
        {
            t.Write("/sys/devices/system/cpu/online", "0-3\n");
            Assert.True(service.Start(), log.ToString());
            Assert.Contains($" nr_cpus={expected} ", Assert.Single(loader.Loads).CommandLine, StringComparison.Ordinal);
            Assert.Contains($"capture CPUs: {expected} (capture_cpus auto: ", log.ToString(), StringComparison.Ordinal);
            Assert.Contains("4 CPU(s) online", log.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NoReservationIsAClearErrorAndNotOperational()
    {
        var (t, loader, service, _) = Setup(reserved: "0");
        using (t)
        {
            var e = Assert.Throws<NkdumpException>(() => service.Start());
            Assert.Contains("no memory is reserved", e.Message);
            Assert.Empty(loader.Loads);
            Assert.False(File.Exists(t.Real(CaptureInitramfs.ImagePath(FakeSystem.Release))));
            var status = service.Status();
            Assert.False(status.Operational);
            Assert.Contains("crashkernel", status.Reason);
        }
    }

    [Fact]
    public void MissingKernelImageIsAClearError()
    {
        var (t, loader, service, _) = Setup();
        using (t)
        {
            File.Delete(t.Real($"/boot/vmlinuz-{FakeSystem.Release}"));
            Assert.Contains("no kernel image", Assert.Throws<NkdumpException>(() => service.Start()).Message);
            Assert.Empty(loader.Loads);
        }
    }

    [Fact]
    public void KexecErrorsReachTheUser()
    {
        var (t, _, service, _) = Setup(failWith: KexecErrors.EKEYREJECTED);
        using (t)
        {
            var e = Assert.Throws<KexecException>(() => service.Start());
            Assert.Contains("signature", e.Message);
        }
    }

    [Fact]
    public void MissingHookAndDeviceAreFoundByStartAndStatus()
    {
        var (t, loader, service, _) = Setup(config: "ext4 UUID=feed\nkdump_post /usr/local/bin/post.sh\n");
        using (t)
        {
            var e = Assert.Throws<NkdumpException>(() => service.Start());
            Assert.Contains("/usr/local/bin/post.sh", e.Message);
            Assert.Contains("/dev/disk/by-uuid/feed", e.Message);
            Assert.Empty(loader.Loads);
            Assert.Equal(2, service.Status().Warnings.Count);
        }
    }

    [Fact]
    public void SshTargetNeedsItsKey()
    {
        var (t, loader, service, _) = Setup(config: "ssh kdump@backup\nsshkey /root/.ssh/kdump_id_ed25519\n");
        using (t)
        {
            Assert.Contains("ssh-keygen", Assert.Throws<NkdumpException>(() => service.Start()).Message);
            t.Write("/root/.ssh/kdump_id_ed25519", "key");
            Assert.True(service.Start());
            Assert.Single(loader.Loads);
        }
    }

    [Fact]
    public void UnreadableConfigFailsBeforeAnythingIsWritten()
    {
        var (t, loader, service, _) = Setup(config: "failure_action explode\n");
        using (t)
        {
            Assert.Throws<Config.ConfigException>(() => service.Start());
            Assert.Empty(loader.Loads);
            Assert.False(Directory.Exists(t.Real("/var/lib/nkdump")));
        }
    }

    [Fact]
    public void RootSimulatedLoaderRecordsAndFlipsTheFlag()
    {
        using var t = new TempRoot();
        t.Write("/sys/kernel/kexec_crash_size", "0\n");
        var loader = new RootSimulatedKexecLoader(t.Root);
        Assert.Equal(KexecErrors.EADDRNOTAVAIL, Assert.Throws<KexecException>(() => loader.LoadCrash("k", "i", "c")).Errno);
        t.Write("/sys/kernel/kexec_crash_size", "1024\n");
        loader.LoadCrash("k", "i", "root=/dev/sda1");
        Assert.Equal("1\n", t.Read("/sys/kernel/kexec_crash_loaded"));
        Assert.Contains("cmdline root=/dev/sda1", t.Read(RootSimulatedKexecLoader.RequestPath));
        loader.UnloadCrash();
        Assert.Equal("0\n", t.Read("/sys/kernel/kexec_crash_loaded"));
    }
}
