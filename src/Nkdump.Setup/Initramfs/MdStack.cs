namespace Nkdump.Setup.Initramfs;

/// <summary>
/// An md RAID array under a dump target or the root file system, found in sysfs: the device (or,
/// for a partition of an array, its parent) has an md/ folder whose md/level names the RAID
/// personality (raid1 → the raid1 module; md_mod under it). The members are the array's slaves;
/// their drivers are needed too. The capture kernel assembles it with mdadm
/// (Nkdump.Capture's MdAssembly): the kernel's autodetection knows only 0.90 superblocks.
/// </summary>
internal sealed record MdStack(string Array, string Level, IReadOnlyList<string> Modules)
{
    /// <summary>The arrays the capture assembles, one kernel name a line (MdAssembly runs mdadm when the file exists).</summary>
    public const string ArraysPath = "/etc/nkdump/md-arrays";

    /// <summary>
    /// The mdadm.conf the capture's mdadm reads: every array found on any partition is assembled,
    /// whatever home host its superblock names (the capture kernel's host name is not the system's,
    /// and the host's own mdadm.conf may list no ARRAY at all).
    /// </summary>
    public const string MdadmConfPath = "/etc/mdadm/mdadm.conf";
    public const string MdadmConf = "DEVICE partitions\nHOMEHOST <ignore>\n";

    /// <summary>The md array under a kdump.conf device value, or null when it is not on one.</summary>
    public static MdStack? Find(HostRoot root, string deviceValue)
    {
        if (BlockDeviceSysfs.Find(root, deviceValue) is not { } name)
        {
            return null;
        }

        var array = ArrayOf(root, name);
        if (array is null || root.TryReadText($"/sys/class/block/{array}/md/level")?.Trim() is not { Length: > 0 } level)
        {
            return null;
        }

        var modules = BlockDeviceSysfs.DriversOf(root, BlockDeviceSysfs.Slaves(root, array));
        modules.Add("md_mod");
        if (PersonalityModule(level) is { } personality)
        {
            modules.Add(personality);
        }

        return new MdStack(array, level, modules);
    }

    /// <summary>The md device itself (md127), or the array a partition of it (md127p1) belongs to; null when neither has md/.</summary>
    private static string? ArrayOf(HostRoot root, string name)
    {
        if (Directory.Exists(root.Resolve($"/sys/class/block/{name}/md")))
        {
            return name;
        }

        var parent = RootPaths.Resolve(root, $"/sys/class/block/{name}") is { } sys ? Path.GetFileName(Path.GetDirectoryName(sys)) : null;
        return parent is not null && Directory.Exists(root.Resolve($"/sys/class/block/{parent}/md")) ? parent : null;
    }

    /// <summary>The kernel module serving an md/level value (drivers/md: raid0, raid1, raid10, raid456, linear).</summary>
    public static string? PersonalityModule(string level) => level switch
    {
        "raid0" or "raid1" or "raid10" or "linear" => level,
        "raid4" or "raid5" or "raid6" => "raid456",
        _ => null,
    };
}
