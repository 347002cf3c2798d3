using Nkdump.Setup.Service;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The sysfs entry (/sys/class/block/NAME) of the block device a kdump.conf device value names
/// (a path, UUID=, LABEL=…): the node's links are followed (udev's /dev/disk/by-*, /dev/VG/LV,
/// /dev/md/NAME), and its name is looked up in /sys/class/block. A node under /dev/mapper that is
/// not a link (lvm and dmsetup make real nodes there when no udev runs) is found by its
/// device-mapper name, dm/name of a dm-N entry.
/// </summary>
internal static class BlockDeviceSysfs
{
    /// <summary>The block device's kernel name (vda1, dm-0, md127), or null when sysfs has no such device.</summary>
    public static string? Find(HostRoot root, string deviceValue)
    {
        var device = KdumpService.DevicePath(deviceValue);
        if (device is null || RootPaths.Resolve(root, device) is not { } node || !node.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return null;
        }

        var name = Path.GetFileName(node);
        if (RootPaths.Resolve(root, $"/sys/class/block/{name}") is not null)
        {
            return name;
        }

        return node.StartsWith("/dev/mapper/", StringComparison.Ordinal) ? DeviceMapperNamed(root, name) : null;
    }

    /// <summary>The dm-N whose dm/name is <paramref name="mapperName"/>, or null.</summary>
    private static string? DeviceMapperNamed(HostRoot root, string mapperName)
    {
        var sysBlock = root.Resolve("/sys/class/block");
        if (!Directory.Exists(sysBlock))
        {
            return null;
        }

        return Directory.EnumerateFileSystemEntries(sysBlock).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith("dm-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .FirstOrDefault(n => root.TryReadText($"/sys/class/block/{n}/dm/name")?.Trim() == mapperName);
    }

    /// <summary>The kernel names of a block device's slaves (the devices under a dm or md device), in name order.</summary>
    public static IReadOnlyList<string> Slaves(HostRoot root, string name)
    {
        var slaves = root.Resolve($"/sys/class/block/{name}/slaves");
        return Directory.Exists(slaves)
            ? Directory.EnumerateFileSystemEntries(slaves).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>The driver modules under the given devices (their sysfs ancestors'), each once, in order.</summary>
    public static List<string> DriversOf(HostRoot root, IEnumerable<string> names)
    {
        var modules = new List<string>();
        foreach (var name in names)
        {
            if (RootPaths.Resolve(root, $"/sys/class/block/{name}") is { } sys)
            {
                modules.AddRange(DriverModules.Above(root, sys).Where(m => !modules.Contains(m)));
            }
        }

        return modules;
    }
}
