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
        if (BlockDeviceSysfs.Find(root, deviceValue) is not { } name)
        {
            return null;
        }

        var sys = $"/sys/class/block/{name}";
        if (!root.TryReadText(sys + "/dm/uuid")?.Trim().StartsWith("LVM-", StringComparison.Ordinal) ?? true)
        {
            return null;
        }

        var volumeGroup = root.TryReadText(sys + "/dm/name") is { } dmName ? VolumeGroupOf(dmName.Trim()) : null;
        return volumeGroup is null ? null : new LvmStack(volumeGroup, BlockDeviceSysfs.DriversOf(root, BlockDeviceSysfs.Slaves(root, name)));
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
