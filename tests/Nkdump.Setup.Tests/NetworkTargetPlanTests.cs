using Nkdump.Config;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Tests;

/// <summary>What the capture initramfs carries for ssh and NFS targets: the ssh client's files and the network drivers.</summary>
public class NetworkTargetPlanTests
{
    private const string VirtioPci = "/sys/devices/pci0000:00/0000:00:02.0";

    private static InitramfsPlan Plan(TempRoot t)
    {
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        return new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")));
    }

    private static string Text(InitramfsPlan plan, string path)
    {
        var entry = plan.Entries.Single(e => e.Path == path);
        return entry.Content is { } content ? System.Text.Encoding.UTF8.GetString(content) : File.ReadAllText(entry.Source!);
    }

    /// <summary>A sysfs like a QEMU guest's: eth0 on a virtio device (virtio_net) on a PCI function (virtio_pci); lo and a bridge without a device.</summary>
    private static void FakeNetworkSysfs(TempRoot t)
    {
        Directory.CreateDirectory(t.Real(VirtioPci + "/virtio0/net/eth0"));
        Directory.CreateDirectory(t.Real("/sys/devices/virtual/net/lo"));
        Directory.CreateDirectory(t.Real("/sys/devices/virtual/net/br0"));
        Directory.CreateDirectory(t.Real("/sys/class/net"));
        File.CreateSymbolicLink(t.Real("/sys/class/net/eth0"), "../../devices/pci0000:00/0000:00:02.0/virtio0/net/eth0");
        File.CreateSymbolicLink(t.Real("/sys/class/net/lo"), "../../devices/virtual/net/lo");
        File.CreateSymbolicLink(t.Real("/sys/class/net/br0"), "../../devices/virtual/net/br0");
        File.CreateSymbolicLink(t.Real(VirtioPci + "/virtio0/net/eth0/device"), "../../../virtio0");
        foreach (var (bus, driver) in new[] { ("pci", "virtio-pci"), ("virtio", "virtio_net") })
        {
            Directory.CreateDirectory(t.Real($"/sys/bus/{bus}/drivers/{driver}"));
            Directory.CreateDirectory(t.Real($"/sys/module/{driver.Replace('-', '_')}"));
            File.CreateSymbolicLink(t.Real($"/sys/bus/{bus}/drivers/{driver}/module"), $"../../../../module/{driver.Replace('-', '_')}");
        }

        File.CreateSymbolicLink(t.Real(VirtioPci + "/driver"), "../../../bus/pci/drivers/virtio-pci");
        File.CreateSymbolicLink(t.Real(VirtioPci + "/virtio0/driver"), "../../../../bus/virtio/drivers/virtio_net");
    }

    private static void AddModules(TempRoot t, params string[] files)
    {
        var modules = $"/usr/lib/modules/{FakeSystem.Release}";
        foreach (var file in files)
        {
            File.AppendAllText(t.Real(modules + "/modules.dep"), $"kernel/{file}:\n");
            t.Write($"{modules}/kernel/{file}", file);
        }
    }

    [Fact]
    public void NetworkDriversAreFoundFromEachInterfaceWithADevice()
    {
        using var t = new TempRoot();
        FakeNetworkSysfs(t);
        Assert.Equal(["virtio_net", "virtio_pci"], NetworkDeviceModules.Find(t.Root));
    }

    [Fact]
    public void NoSysfsMeansNoNetworkDrivers()
    {
        using var t = new TempRoot();
        Assert.Empty(NetworkDeviceModules.Find(t.Root));
    }

    [Fact]
    public void SshTargetCarriesKnownHostsConfigRootsPasswdLineAndTheNetworkDrivers()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ssh root@10.0.2.2\nsshkey /root/.ssh/kdump_id_ed25519\npath /crash\ncore_collector makedumpfile -F -l -d 31\n");
        FakeNetworkSysfs(t);
        AddModules(t, "drivers/net/virtio_net.ko.xz", "drivers/virtio/virtio_pci.ko.xz");
        t.Write("/root/.ssh/kdump_id_ed25519", "private key");
        t.Write("/root/.ssh/known_hosts", "[10.0.2.2]:2222 ssh-ed25519 AAAA\n");
        t.Write("/root/.ssh/config", "Host 10.0.2.2\n  Port 2222\n");
        t.Write("/etc/passwd", "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nroot:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/sh\n");

        var plan = Plan(t);

        Assert.Equal("[10.0.2.2]:2222 ssh-ed25519 AAAA\n", Text(plan, "/root/.ssh/known_hosts"));
        Assert.Equal("Host 10.0.2.2\n  Port 2222\n", Text(plan, "/root/.ssh/config"));
        Assert.Equal("root:x:0:0:root:/root:/bin/bash\n", Text(plan, "/etc/passwd"));
        Assert.Equal(0x180u, plan.Entries.Single(e => e.Path == "/root/.ssh/kdump_id_ed25519").Permissions);
        Assert.Equal(["virtio_net.ko.xz", "virtio_pci.ko.xz"], plan.ModuleLoadOrder.Select(Path.GetFileName));
        Assert.DoesNotContain(plan.Notes, n => n.Contains("known_hosts", StringComparison.Ordinal));
    }

    [Fact]
    public void SshTargetWithoutKnownHostsIsNotedAndGetsADefaultPasswd()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "ssh root@10.0.2.2\nsshkey /root/.ssh/kdump_id_ed25519\ncore_collector makedumpfile -F -l -d 31\n");
        t.Write("/root/.ssh/kdump_id_ed25519", "private key");

        var plan = Plan(t);

        Assert.Contains(plan.Notes, n => n.Contains("/root/.ssh/known_hosts", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Entries, e => e.Path is "/root/.ssh/known_hosts" or "/root/.ssh/config");
        Assert.Equal("root:x:0:0:root:/root:/bin/sh\n", Text(plan, "/etc/passwd"));
    }

    [Fact]
    public void NfsTargetLoadsTheNetworkDriversBeforeNfsAndCarriesNoSshFiles()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, "nfs 10.0.2.2:/export\npath /crash\n");
        FakeNetworkSysfs(t);
        AddModules(t, "drivers/net/virtio_net.ko.xz", "drivers/virtio/virtio_pci.ko.xz", "fs/nfs/nfs.ko.xz", "fs/nfs/nfsv4.ko.xz");

        var plan = Plan(t);

        Assert.Equal(["virtio_net.ko.xz", "virtio_pci.ko.xz", "nfs.ko.xz", "nfsv4.ko.xz"], plan.ModuleLoadOrder.Select(Path.GetFileName));
        Assert.DoesNotContain(plan.Entries, e => e.Path == "/etc/passwd");
    }
}
