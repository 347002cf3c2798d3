using Nkdump.Capture.Devices;

namespace Nkdump.Capture.Tests;

/// <summary>LVM volume groups named by the initramfs are activated before the target is looked up.</summary>
public sealed class LvmActivationTests : IDisposable
{
    private const string Uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    private readonly CaptureTestRoot _t = new();

    [Fact]
    public void ActivatesEachGroupWithoutUdevThenMakesItsNodes()
    {
        _t.Write(LvmActivation.VolumeGroupsFile, "nkvg\nother\n");
        var calls = new List<string>();
        var log = new CaptureLog(new StringWriter());
        new LvmActivation(_t.Root, log, (program, arguments) =>
        {
            calls.Add(program + " " + string.Join(' ', arguments));
            return 0;
        }).ActivateIfPlanned();

        const string Config = "--config activation { udev_sync=0 udev_rules=0 monitoring=0 } devices { obtain_device_list_from_udev=0 external_device_info_source=\"none\" } global { event_activation=0 }";
        Assert.Equal(
            [
                $"/usr/sbin/lvm vgchange {Config} -ay --sysinit nkvg",
                $"/usr/sbin/lvm vgmknodes {Config} nkvg",
                $"/usr/sbin/lvm vgchange {Config} -ay --sysinit other",
                $"/usr/sbin/lvm vgmknodes {Config} other",
            ],
            calls);
        Assert.Empty(log.Incidents);
    }

    [Fact]
    public void NothingRunsWhenTheInitramfsNamesNoGroup()
    {
        new LvmActivation(_t.Root, new CaptureLog(new StringWriter()), (_, _) => throw new InvalidOperationException("ran")).ActivateIfPlanned();
    }

    [Fact]
    public void AFailingLvmStopsTheCaptureWithTheGroupAndStatus()
    {
        _t.Write(LvmActivation.VolumeGroupsFile, "nkvg\n");
        var error = Assert.Throws<CaptureFailedException>(() =>
            new LvmActivation(_t.Root, new CaptureLog(new StringWriter()), (_, _) => 5).ActivateIfPlanned());
        Assert.Equal("cannot activate the LVM volume group nkvg: lvm vgchange exited with status 5", error.Message);
    }

    [Fact]
    public void ThePathTargetOnALogicalVolumeIsSavedAfterActivation()
    {
        var volume = _t.Device("dm-0", Uuid, "root");
        _t.Write(LvmActivation.VolumeGroupsFile, "nkvg\n");
        // A stand-in for lvm: records its arguments; vgmknodes makes /dev/mapper/nkvg-root as the real one does.
        _t.Write(LvmActivation.LvmProgram,
            $"#!/bin/sh\necho \"$1\" >> '{_t["/lvm-calls"]}'\n[ \"$1\" = vgmknodes ] && mkdir -p '{_t["/dev/mapper"]}' && ln -s ../dm-0 '{_t["/dev/mapper/nkvg-root"]}'\nexit 0\n",
            executable: true);
        _t.Write("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/mapper/nkvg-root ro\n");
        _t.Config("path /var/crash\ncore_collector makedumpfile -l --message-level 1 -d 31\n");

        Assert.True(_t.Save() == 0, _t.ToString());

        Assert.Equal("vgchange\nvgmknodes\n", File.ReadAllText(_t["/lvm-calls"]));
        Assert.Equal([$"mount ext4 {_t["/dev/mapper/nkvg-root"]} {_t["/sysroot"]}", "reboot"], _t.Machine.Calls);
        Assert.True(File.Exists(volume));
    }

    [Fact]
    public void AFailedActivationIsLoggedAndTakesTheFailureAction()
    {
        _t.Write(LvmActivation.VolumeGroupsFile, "nkvg\n");
        _t.Write(LvmActivation.LvmProgram, "#!/bin/sh\necho '  Volume group \"nkvg\" not found' >&2\nexit 5\n", executable: true);
        _t.Write("/proc/cmdline", "root=/dev/mapper/nkvg-root\n");
        _t.Config("path /var/crash\n");

        Assert.Equal(1, _t.Save());

        Assert.Contains("error: cannot activate the LVM volume group nkvg: lvm vgchange exited with status 5", _t.ToString());
        Assert.Equal(["reboot"], _t.Machine.Calls);
    }

    public void Dispose() => _t.Dispose();
}
