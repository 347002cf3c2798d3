using Nkdump.Config;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

public class MdStackTests
{
    private const string Uuid = "3f0c2a1e-8d4b-4c6a-9e1f-5a7b9c0d2e4f";

    /// <summary>
    /// A sysfs fragment as the e2e guest's (tests/e2e/cases/raid1.sh prints it): md127, a RAID1 of
    /// the whole virtio disks vda and vdb (each on its own virtio PCI device), with the partition
    /// md127p1 inside the array's own sysfs folder; /dev/md/nkraid and the by-uuid link lead to it.
    /// </summary>
    private static void FakeRaidSysfs(TempRoot t)
    {
        const string Md = "/sys/devices/virtual/block/md127";
        Directory.CreateDirectory(t.Real(Md + "/md127p1"));
        Directory.CreateDirectory(t.Real(Md + "/slaves"));
        t.Write(Md + "/md/level", "raid1\n");
        t.Write(Md + "/md/metadata_version", "1.2\n");
        Directory.CreateDirectory(t.Real("/sys/class/block"));
        File.CreateSymbolicLink(t.Real("/sys/class/block/md127"), "../../devices/virtual/block/md127");
        File.CreateSymbolicLink(t.Real("/sys/class/block/md127p1"), "../../devices/virtual/block/md127/md127p1");
        foreach (var (disk, pci, virtio) in new[] { ("vda", "0000:00:04.0", "virtio1"), ("vdb", "0000:00:05.0", "virtio2") })
        {
            var dir = $"/sys/devices/pci0000:00/{pci}";
            Directory.CreateDirectory(t.Real($"{dir}/{virtio}/block/{disk}"));
            File.CreateSymbolicLink(t.Real($"/sys/class/block/{disk}"), $"../../devices/pci0000:00/{pci}/{virtio}/block/{disk}");
            File.CreateSymbolicLink(t.Real($"{Md}/slaves/{disk}"), $"../../../../pci0000:00/{pci}/{virtio}/block/{disk}");
            File.CreateSymbolicLink(t.Real($"{dir}/{virtio}/driver"), "../../../../bus/virtio/drivers/virtio_blk");
            File.CreateSymbolicLink(t.Real($"{dir}/driver"), "../../../bus/pci/drivers/virtio-pci");
        }

        foreach (var (driver, module, bus) in new[] { ("virtio_blk", "virtio_blk", "virtio"), ("virtio-pci", "virtio_pci", "pci") })
        {
            Directory.CreateDirectory(t.Real($"/sys/module/{module}"));
            Directory.CreateDirectory(t.Real($"/sys/bus/{bus}/drivers/{driver}"));
            File.CreateSymbolicLink(t.Real($"/sys/bus/{bus}/drivers/{driver}/module"), $"../../../../module/{module}");
        }

        t.Write("/dev/md127", "");
        t.Write("/dev/md127p1", "");
        Directory.CreateDirectory(t.Real("/dev/md"));
        File.CreateSymbolicLink(t.Real("/dev/md/nkraid"), "../md127");
        Directory.CreateDirectory(t.Real("/dev/disk/by-uuid"));
        File.CreateSymbolicLink(t.Real($"/dev/disk/by-uuid/{Uuid}"), "../../md127");
    }

    [Fact]
    public void FindsTheArrayItsLevelAndTheMembersDrivers()
    {
        using var t = new TempRoot();
        FakeRaidSysfs(t);
        foreach (var device in new[] { "/dev/md127", "/dev/md/nkraid", $"UUID={Uuid}" })
        {
            var stack = MdStack.Find(t.Root, device);
            Assert.NotNull(stack);
            Assert.Equal("md127", stack.Array);
            Assert.Equal("raid1", stack.Level);
            Assert.Equal(["virtio_blk", "virtio_pci", "md_mod", "raid1"], stack.Modules);
        }

        // A partition of the array belongs to it.
        Assert.Equal("md127", MdStack.Find(t.Root, "/dev/md127p1")?.Array);
        Assert.Null(MdStack.Find(t.Root, "/dev/vda"));
        Assert.Null(MdStack.Find(t.Root, "LABEL=none"));
    }

    [Theory]
    [InlineData("raid1", "raid1")]
    [InlineData("raid5", "raid456")]
    [InlineData("raid6", "raid456")]
    [InlineData("raid10", "raid10")]
    [InlineData("container", null)]
    public void TheLevelNamesItsModule(string level, string? module) => Assert.Equal(module, MdStack.PersonalityModule(level));

    private static InitramfsPlan Plan(TempRoot t, string config, bool withMdadm = true, string? commandLine = null)
    {
        FakeSystem.Populate(t, config);
        if (commandLine is not null)
        {
            t.Write("/proc/cmdline", commandLine);
            t.Write("/proc/mounts", "/dev/md127p1 / ext4 rw 0 0\n");
        }

        FakeRaidSysfs(t);
        if (withMdadm)
        {
            File.Copy("/usr/bin/true", t.Real("/usr/sbin/mdadm"));
        }

        var modules = $"/usr/lib/modules/{FakeSystem.Release}";
        File.AppendAllText(t.Real(modules + "/modules.dep"),
            "kernel/drivers/block/virtio_blk.ko.xz:\nkernel/drivers/virtio/virtio_pci.ko.xz:\nkernel/drivers/md/md-mod.ko.xz:\nkernel/drivers/md/raid1.ko.xz: kernel/drivers/md/md-mod.ko.xz\n");
        foreach (var m in new[] { "drivers/block/virtio_blk.ko.xz", "drivers/virtio/virtio_pci.ko.xz", "drivers/md/md-mod.ko.xz", "drivers/md/raid1.ko.xz" })
        {
            t.Write($"{modules}/kernel/{m}", m);
        }

        var parsed = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", parsed, t.Real("/etc/kdump.conf")));
    }

    [Fact]
    public void ALocalTargetOnARaid1ArrayBringsMdadmItsConfigAndTheModules()
    {
        using var t = new TempRoot();
        var plan = Plan(t, $"ext4 UUID={Uuid}\n");
        var names = plan.Entries.Select(e => e.Path).ToList();
        Assert.Contains("/usr/sbin/mdadm", names);
        Assert.Equal("md127\n", System.Text.Encoding.UTF8.GetString(plan.Entries.Single(e => e.Path == MdStack.ArraysPath).Content!));
        Assert.Equal("DEVICE partitions\nHOMEHOST <ignore>\n", System.Text.Encoding.UTF8.GetString(plan.Entries.Single(e => e.Path == MdStack.MdadmConfPath).Content!));
        Assert.Equal(
            ["virtio_blk.ko.xz", "virtio_pci.ko.xz", "md-mod.ko.xz", "raid1.ko.xz", "crc16.ko.zst", "jbd2.ko.zst", "mbcache.ko", "ext4.ko.xz"],
            plan.ModuleLoadOrder.Select(Path.GetFileName));
        Assert.Contains(plan.Notes, n => n.StartsWith("md RAID: md127 (raid1)", StringComparison.Ordinal));
    }

    [Fact]
    public void DumpToRootfsFollowsARootFileSystemOnTheArray()
    {
        using var t = new TempRoot();
        var plan = Plan(t, "ext4 LABEL=elsewhere\nfailure_action dump_to_rootfs\n", commandLine: "BOOT_IMAGE=/vmlinuz root=/dev/md127p1 ro\n");
        Assert.Contains("/usr/sbin/mdadm", plan.Entries.Select(e => e.Path));
        Assert.Contains("raid1.ko.xz", plan.ModuleLoadOrder.Select(Path.GetFileName));
    }

    [Fact]
    public void NoMdadmIsAClearError()
    {
        using var t = new TempRoot();
        var error = Assert.Throws<Nkdump.Formats.NkdumpException>(() => Plan(t, "ext4 /dev/md/nkraid\n", withMdadm: false));
        Assert.Contains("on the md array md127 but mdadm is not installed", error.Message);
    }
}
