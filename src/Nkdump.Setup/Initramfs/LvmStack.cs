using Nkdump.Setup.Service;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// An LVM logical volume under a dump target or the root file system, found in sysfs: the device
/// node resolves to /sys/class/block/dm-N, whose dm/uuid starts with "LVM-" and whose dm/name is
/// "VG-LV" (a '-' inside a name is doubled). The physical volumes are the dm device's slaves; their
/// drivers are the modules the capture kernel needs under dm_mod.
/// </summary>
internal sealed record LvmStack(string VolumeGroup, IReadOnlyList<string> PhysicalVolumeModules)
{
    /// <summary>Where the capture initramfs names the volume groups to activate, one a line (Nkdump.Capture's LvmActivation reads it).</summary>
    public const string VolumeGroupsPath = "/etc/nkdump/lvm-vgs";

    /// <summary>The LVM stack under a kdump.conf device value (path, UUID=, LABEL=…), or null when it is not an LVM volume.</summary>
    public static LvmStack? Find(HostRoot root, string deviceValue)
    {
        var device = KdumpService.DevicePath(deviceValue);
        if (device is null || RootPaths.Resolve(root, device) is not { } node || !node.StartsWith("/dev/", StringComparison.Ordinal))
        {
            return null;
        }

        var name = Path.GetFileName(node);
        var sys = $"/sys/class/block/{name}";
        if (!root.TryReadText(sys + "/dm/uuid")?.Trim().StartsWith("LVM-", StringComparison.Ordinal) ?? true)
        {
            return null;
        }

        var volumeGroup = root.TryReadText(sys + "/dm/name") is { } dmName ? VolumeGroupOf(dmName.Trim()) : null;
        if (volumeGroup is null)
        {
            return null;
        }

        var modules = new List<string>();
        var slaves = root.Resolve(sys + "/slaves");
        if (Directory.Exists(slaves))
        {
            foreach (var slave in Directory.EnumerateFileSystemEntries(slaves).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal))
            {
                if (RootPaths.Resolve(root, $"/sys/class/block/{slave}") is { } slaveSys)
                {
                    modules.AddRange(DriverModules.Above(root, slaveSys).Where(m => !modules.Contains(m)));
                }
            }
        }

        return new LvmStack(volumeGroup, modules);
    }

    /// <summary>The VG part of a device-mapper name "VG-LV" ('-' in VG or LV is written "--"); null when there is no single '-'.</summary>
    public static string? VolumeGroupOf(string dmName)
    {
        for (var i = 0; i < dmName.Length; i++)
        {
            if (dmName[i] != '-')
            {
                continue;
            }

            if (i + 1 < dmName.Length && dmName[i + 1] == '-')
            {
                i++;
                continue;
            }

            return i == 0 ? null : dmName[..i].Replace("--", "-", StringComparison.Ordinal);
        }

        return null;
    }
}
