using Nkdump.Setup.Service;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The kernel modules behind a block device, found in sysfs the way dracut's host-only mode does:
/// the device node's name (after following /dev/disk/by-* links) leads to /sys/class/block/NAME,
/// a link into /sys/devices; every ancestor there with a driver/module link names a module
/// (e.g. sd_mod, ahci, nvme, virtio_blk). Built-in drivers have no module link and need nothing.
/// LVM logical volumes are followed by <see cref="LvmStack"/>, md RAID arrays by <see cref="MdStack"/>.
/// </summary>
internal static class BlockDeviceModules
{
    /// <summary>Module names for a kdump.conf device value (path, UUID=, LABEL=…); empty when unknown.</summary>
    public static IReadOnlyList<string> Find(HostRoot root, string deviceValue) =>
        BlockDeviceSysfs.Find(root, deviceValue) is { } name ? BlockDeviceSysfs.DriversOf(root, [name]) : [];
}

/// <summary>
/// The kernel modules behind the network interfaces, for ssh and NFS targets: each interface in
/// /sys/class/net with a device link (physical ones; lo, bridges, tunnels have none) leads into
/// /sys/devices, where the drivers' module links name e.g. virtio_net, e1000e, mlx5_core. All
/// interfaces count, not only the one toward the server: the capture kernel names interfaces
/// itself (eth0…, no udev), and a driver too many costs less than a dump that cannot leave.
/// </summary>
internal static class NetworkDeviceModules
{
    public static IReadOnlyList<string> Find(HostRoot root)
    {
        var net = root.Resolve("/sys/class/net");
        if (!Directory.Exists(net))
        {
            return [];
        }

        var modules = new List<string>();
        foreach (var name in Directory.EnumerateFileSystemEntries(net).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal))
        {
            if (RootPaths.Resolve(root, $"/sys/class/net/{name}/device") is { } device)
            {
                foreach (var module in DriverModules.Above(root, device))
                {
                    if (!modules.Contains(module))
                    {
                        modules.Add(module);
                    }
                }
            }
        }

        return modules;
    }
}

/// <summary>Driver modules of a sysfs device and its ancestors, nearest first (built-in drivers have no module link).</summary>
internal static class DriverModules
{
    public static List<string> Above(HostRoot root, string sysDevice)
    {
        var modules = new List<string>();
        for (var dir = sysDevice; dir.Length > "/sys/devices".Length && dir.StartsWith("/sys/devices/", StringComparison.Ordinal); dir = Path.GetDirectoryName(dir)!)
        {
            if (new FileInfo(root.Resolve(dir + "/driver/module")).LinkTarget is not null
                && RootPaths.Resolve(root, dir + "/driver/module") is { } module)
            {
                var name = Path.GetFileName(module);
                if (!modules.Contains(name))
                {
                    modules.Add(name);
                }
            }
        }

        return modules;
    }
}
