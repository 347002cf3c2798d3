using Nkdump.Config;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

public class BlockDeviceModulesTests
{
    private const string Disk = "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0";

    /// <summary>A sysfs fragment like a SATA disk's: sda1 under sda under a SCSI disk (sd_mod) under an AHCI controller.</summary>
    private static void FakeSysfs(TempRoot t)
    {
        Directory.CreateDirectory(t.Real(Disk + "/block/sda/sda1"));
        Directory.CreateDirectory(t.Real("/sys/class/block"));
        File.CreateSymbolicLink(t.Real("/sys/class/block/sda1"), "../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1");
        Directory.CreateDirectory(t.Real("/sys/module/ahci"));
        Directory.CreateDirectory(t.Real("/sys/module/sd_mod"));
        Directory.CreateDirectory(t.Real("/sys/bus/pci/drivers/ahci"));
        Directory.CreateDirectory(t.Real("/sys/bus/scsi/drivers/sd"));
        Directory.CreateDirectory(t.Real("/sys/bus/scsi/drivers/builtin"));
        File.CreateSymbolicLink(t.Real("/sys/bus/pci/drivers/ahci/module"), "../../../../module/ahci");
        File.CreateSymbolicLink(t.Real("/sys/bus/scsi/drivers/sd/module"), "../../../../module/sd_mod");
        File.CreateSymbolicLink(t.Real("/sys/devices/pci0000:00/0000:00:1f.2/driver"), "../../../bus/pci/drivers/ahci");
        File.CreateSymbolicLink(t.Real(Disk + "/driver"), "../../../../../../../bus/scsi/drivers/sd");
        File.CreateSymbolicLink(t.Real("/sys/devices/pci0000:00/0000:00:1f.2/ata1/driver"), "../../../../bus/scsi/drivers/builtin");
        t.Write("/dev/sda1", "");
        Directory.CreateDirectory(t.Real("/dev/disk/by-uuid"));
        File.CreateSymbolicLink(t.Real("/dev/disk/by-uuid/feed"), "../../sda1");
    }

    [Fact]
    public void FindsTheDriversFromTheDeviceUpAndSkipsBuiltIns()
    {
        using var t = new TempRoot();
        FakeSysfs(t);
        Assert.Equal(["sd_mod", "ahci"], BlockDeviceModules.Find(t.Root, "UUID=feed"));
        Assert.Equal(["sd_mod", "ahci"], BlockDeviceModules.Find(t.Root, "/dev/sda1"));
        Assert.Empty(BlockDeviceModules.Find(t.Root, "LABEL=none"));
    }

    [Fact]
    public void TargetDriversGoIntoTheInitramfs()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ext4 UUID=feed\n");
        FakeSysfs(t);
        var modules = $"/usr/lib/modules/{FakeSystem.Release}";
        File.AppendAllText(t.Real(modules + "/modules.dep"), "kernel/drivers/ata/ahci.ko.zst: kernel/drivers/ata/libahci.ko.zst\nkernel/drivers/ata/libahci.ko.zst:\nkernel/drivers/scsi/sd_mod.ko.zst:\n");
        foreach (var m in new[] { "drivers/ata/ahci.ko.zst", "drivers/ata/libahci.ko.zst", "drivers/scsi/sd_mod.ko.zst" })
        {
            t.Write($"{modules}/kernel/{m}", m);
        }

        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        var plan = new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")));
        Assert.Equal(
            ["sd_mod.ko.zst", "libahci.ko.zst", "ahci.ko.zst", "crc16.ko.zst", "jbd2.ko.zst", "mbcache.ko", "ext4.ko.xz"],
            plan.ModuleLoadOrder.Select(Path.GetFileName));
    }
}
