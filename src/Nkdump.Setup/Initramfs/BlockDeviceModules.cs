using Nkdump.Setup.Service;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The kernel modules behind a block device, found in sysfs the way dracut's host-only mode does:
/// the device node's name (after following /dev/disk/by-* links) leads to /sys/class/block/NAME,
/// a link into /sys/devices; every ancestor there with a driver/module link names a module
/// (e.g. sd_mod, ahci, nvme, virtio_blk). Built-in drivers have no module link and need nothing.
/// Device-mapper stacks (LVM, LUKS) are not followed yet.
/// </summary>
public static class BlockDeviceModules
{
    /// <summary>Module names for a kdump.conf device value (path, UUID=, LABEL=…); empty when unknown.</summary>
    public static IReadOnlyList<string> Find(HostRoot root, string deviceValue)
    {
        var device = KdumpService.DevicePath(deviceValue);
        if (device is null || RootPaths.Resolve(root, device) is not { } node || !node.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return [];
        }

        var sys = RootPaths.Resolve(root, "/sys/class/block/" + Path.GetFileName(node));
        if (sys is null)
        {
            return [];
        }

        var modules = new List<string>();
        for (var dir = sys; dir.Length > "/sys/devices".Length && dir.StartsWith("/sys/devices/", StringComparison.Ordinal); dir = Path.GetDirectoryName(dir)!)
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
