using Nkdump.Config;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

public class LvmStackTests
{
    private const string Pci = "/sys/devices/pci0000:00/0000:00:04.0";

    /// <summary>
    /// A sysfs fragment like a Debian guest's with its root on LVM: dm-0 (uuid LVM-…, name nkvg-root)
    /// whose slave vda1 sits on a virtio disk (virtio_blk) on a virtio PCI device (virtio_pci).
    /// </summary>
    private static void FakeLvmSysfs(TempRoot t)
    {
        Directory.CreateDirectory(t.Real(Pci + "/virtio1/block/vda/vda1"));
        Directory.CreateDirectory(t.Real("/sys/devices/virtual/block/dm-0/dm"));
        Directory.CreateDirectory(t.Real("/sys/devices/virtual/block/dm-0/slaves"));
        t.Write("/sys/devices/virtual/block/dm-0/dm/uuid", "LVM-AbCdEfGhIjKlMnOpQrStUvWxYz012345AbCdEfGhIjKlMnOpQrStUvWxYz012345\n");
        t.Write("/sys/devices/virtual/block/dm-0/dm/name", "nkvg-root\n");
        File.CreateSymbolicLink(t.Real("/sys/devices/virtual/block/dm-0/slaves/vda1"), "../../../../pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");
        Directory.CreateDirectory(t.Real("/sys/class/block"));
        File.CreateSymbolicLink(t.Real("/sys/class/block/dm-0"), "../../devices/virtual/block/dm-0");
        File.CreateSymbolicLink(t.Real("/sys/class/block/vda1"), "../../devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1");
        foreach (var (driver, module, bus) in new[] { ("virtio_blk", "virtio_blk", "virtio"), ("virtio-pci", "virtio_pci", "pci") })
        {
            Directory.CreateDirectory(t.Real($"/sys/module/{module}"));
            Directory.CreateDirectory(t.Real($"/sys/bus/{bus}/drivers/{driver}"));
            File.CreateSymbolicLink(t.Real($"/sys/bus/{bus}/drivers/{driver}/module"), $"../../../../module/{module}");
        }

        File.CreateSymbolicLink(t.Real(Pci + "/virtio1/driver"), "../../../../bus/virtio/drivers/virtio_blk");
        File.CreateSymbolicLink(t.Real(Pci + "/driver"), "../../../bus/pci/drivers/virtio-pci");
        t.Write("/dev/dm-0", "");
        t.Write("/dev/vda1", "");
        Directory.CreateDirectory(t.Real("/dev/mapper"));
        File.CreateSymbolicLink(t.Real("/dev/mapper/nkvg-root"), "../dm-0");
        Directory.CreateDirectory(t.Real("/dev/nkvg"));
        File.CreateSymbolicLink(t.Real("/dev/nkvg/root"), "../dm-0");
    }

    private static InitramfsPlan PlanWithModules(TempRoot t, string config, bool withLvm = true, string? commandLine = null)
    {
        FakeSystem.Populate(t, config);
        if (commandLine is not null)
        {
            t.Write("/proc/cmdline", commandLine);
        }

        FakeLvmSysfs(t);
        if (withLvm)
        {
            File.Copy("/usr/bin/true", t.Real("/usr/sbin/lvm"));
        }

        var modules = $"/usr/lib/modules/{FakeSystem.Release}";
        File.AppendAllText(t.Real(modules + "/modules.dep"),
            "kernel/drivers/block/virtio_blk.ko.xz:\nkernel/drivers/virtio/virtio_pci.ko.xz:\nkernel/drivers/md/dm-mod.ko.xz:\n");
        foreach (var m in new[] { "drivers/block/virtio_blk.ko.xz", "drivers/virtio/virtio_pci.ko.xz", "drivers/md/dm-mod.ko.xz" })
        {
            t.Write($"{modules}/kernel/{m}", m);
        }

        var parsed = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", parsed, t.Real("/etc/kdump.conf")));
    }

    [Fact]
    public void FindsTheVolumeGroupAndThePhysicalVolumesDrivers()
    {
        using var t = new TempRoot();
        FakeLvmSysfs(t);
        foreach (var device in new[] { "/dev/mapper/nkvg-root", "/dev/nkvg/root", "/dev/dm-0" })
        {
            var stack = LvmStack.Find(t.Root, device);
            Assert.NotNull(stack);
            Assert.Equal("nkvg", stack.VolumeGroup);
            Assert.Equal(["virtio_blk", "virtio_pci"], stack.PhysicalVolumeModules);
        }

        Assert.Null(LvmStack.Find(t.Root, "/dev/vda1"));
        Assert.Null(LvmStack.Find(t.Root, "LABEL=none"));
    }

    [Fact]
    public void AMapperNodeThatIsNoLinkIsFoundByItsDeviceMapperName()
    {
        // Without udev (the e2e guest, a rescue system) lvm makes /dev/mapper/VG-LV a device node
        // itself, and /dev/VG/LV a link to it: the name is not in /sys/class/block, dm-N's dm/name is.
        using var t = new TempRoot();
        FakeLvmSysfs(t);
        File.Delete(t.Real("/dev/mapper/nkvg-root"));
        t.Write("/dev/mapper/nkvg-root", "");
        File.Delete(t.Real("/dev/nkvg/root"));
        File.CreateSymbolicLink(t.Real("/dev/nkvg/root"), "/dev/mapper/nkvg-root");
        Directory.CreateDirectory(t.Real("/dev/disk/by-uuid"));
        File.CreateSymbolicLink(t.Real("/dev/disk/by-uuid/6b1c7e52-5d0f-4c1e-9f4a-2f1d0a7c9e31"), "../../mapper/nkvg-root");
        foreach (var device in new[] { "/dev/mapper/nkvg-root", "/dev/nkvg/root", "UUID=6b1c7e52-5d0f-4c1e-9f4a-2f1d0a7c9e31" })
        {
            var stack = LvmStack.Find(t.Root, device);
            Assert.NotNull(stack);
            Assert.Equal("nkvg", stack.VolumeGroup);
            Assert.Equal(["virtio_blk", "virtio_pci"], stack.PhysicalVolumeModules);
        }

        t.Write("/dev/mapper/other", "");
        Assert.Null(LvmStack.Find(t.Root, "/dev/mapper/other"));
    }

    [Theory]
    [InlineData("nkvg-root", "nkvg")]
    [InlineData("my--vg-root", "my-vg")]
    [InlineData("vg-my--lv", "vg")]
    [InlineData("novolume", null)]
    [InlineData("-x", null)]
    public void VolumeGroupNamesUndoDeviceMappersDoubledHyphens(string dmName, string? group) =>
        Assert.Equal(group, LvmStack.VolumeGroupOf(dmName));

    [Fact]
    public void ALocalTargetOnALogicalVolumeBringsDmModLvmAndTheVolumeGroup()
    {
        using var t = new TempRoot();
        var plan = PlanWithModules(t, "ext4 /dev/mapper/nkvg-root\n");
        var names = plan.Entries.Select(e => e.Path).ToList();
        Assert.Contains("/usr/sbin/lvm", names);
        Assert.Contains("/lib/x86_64-linux-gnu/libc.so.6", names); // lvm's (here: true's) libraries
        Assert.Contains(LvmStack.VolumeGroupsPath, names);
        Assert.Equal("nkvg\n", System.Text.Encoding.UTF8.GetString(plan.Entries.Single(e => e.Path == LvmStack.VolumeGroupsPath).Content!));
        Assert.Equal(
            ["virtio_blk.ko.xz", "virtio_pci.ko.xz", "dm-mod.ko.xz", "crc16.ko.zst", "jbd2.ko.zst", "mbcache.ko", "ext4.ko.xz"],
            plan.ModuleLoadOrder.Select(Path.GetFileName));
    }

    [Fact]
    public void ThePathTargetFollowsTheRootFileSystemOnALogicalVolume()
    {
        using var t = new TempRoot();
        t.Write("/proc/mounts", "sysfs /sys sysfs rw 0 0\n/dev/mapper/nkvg-root / ext4 rw,relatime 0 0\n");
        var plan = PlanWithModules(t, "path /var/crash\n", commandLine: "BOOT_IMAGE=/boot/vmlinuz root=/dev/mapper/nkvg-root ro\n");
        Assert.Contains("/usr/sbin/lvm", plan.Entries.Select(e => e.Path));
        // The root file system's own module too (Debian builds ext4 as a module).
        Assert.Equal(
            ["virtio_blk.ko.xz", "virtio_pci.ko.xz", "dm-mod.ko.xz", "crc16.ko.zst", "jbd2.ko.zst", "mbcache.ko", "ext4.ko.xz"],
            plan.ModuleLoadOrder.Select(Path.GetFileName));
    }

    [Fact]
    public void NoLvmWithoutALogicalVolumeAndAClearErrorWithoutTheLvmProgram()
    {
        using var t = new TempRoot();
        var plan = PlanWithModules(t, "path /var/crash\n"); // FakeSystem's root=UUID=1234 is no LV
        Assert.DoesNotContain("/usr/sbin/lvm", plan.Entries.Select(e => e.Path));
        Assert.DoesNotContain(LvmStack.VolumeGroupsPath, plan.Entries.Select(e => e.Path));
        Assert.Empty(plan.ModuleLoadOrder);

        using var without = new TempRoot();
        var error = Assert.Throws<Nkdump.Formats.NkdumpException>(() => PlanWithModules(without, "ext4 /dev/nkvg/root\n", withLvm: false));
        Assert.Contains("lvm is not installed", error.Message);
    }
}
