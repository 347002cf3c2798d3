using Nkdump.Capture.Devices;
using Nkdump.Config;

namespace Nkdump.Capture.Store;

/// <summary>
/// Where, on this running system, kdump.conf's target keeps its dumps: PATH on the root file system
/// (no target, or a raw target, which savecore empties into PATH), or PATH below the mount point of
/// the target's device or NFS export as /proc/mounts lists it. An ssh target's dumps are on the
/// server; a target that is not mounted cannot be read: both give the reason instead.
/// </summary>
public static class DumpLocation
{
    /// <summary>The dump directory, or null and why there is none on this system.</summary>
    public static (string? Directory, string? Problem) Find(CaptureRoot root, KdumpConfig config)
    {
        var target = config.Target;
        switch (target.Kind)
        {
            case DumpTargetKind.RootFileSystem or DumpTargetKind.Raw:
                return (root.Resolve(config.Path), null);
            case DumpTargetKind.Ssh:
                return (null, $"dumps go to the ssh target {target.Value}:{config.Path}: list them on the server ('nkdump list {config.Path}' there)");
        }

        var source = target.Kind == DumpTargetKind.Nfs ? target.Value : new BlockDevices(root).Resolve(target.Value);
        if (source is null)
        {
            return (null, $"the dump target {target.Value} ({config.Where(target.Directive)}) is not on this system");
        }

        var mountPoint = MountPointOf(root, source, target.Kind == DumpTargetKind.Nfs || target.Directive == "virtiofs");
        return mountPoint is null
            ? (null, $"the dump target {target.Value} is not mounted: mount it, or give its dump directory")
            : (Path.GetFullPath(Path.Join(root.Resolve(mountPoint), config.Path)), null); // "/" + "/var/crash" without "//"
    }

    /// <summary>The first mount point of <paramref name="source"/> in ROOT/proc/mounts (a device compared by its real path).</summary>
    private static string? MountPointOf(CaptureRoot root, string source, bool byName)
    {
        var mounts = root.Resolve("/proc/mounts");
        if (!File.Exists(mounts))
        {
            return null;
        }

        var wanted = byName ? source.TrimEnd('/') : RealPath(source);
        foreach (var line in File.ReadLines(mounts))
        {
            var fields = line.Split(' ');
            if (fields.Length < 2)
            {
                continue;
            }

            var mounted = Unescape(fields[0]);
            var same = byName ? mounted.TrimEnd('/') == wanted : mounted.StartsWith('/') && RealPath(root.Resolve(mounted)) == wanted;
            if (same)
            {
                return Unescape(fields[1]);
            }
        }

        return null;
    }

    private static string RealPath(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>/proc/mounts writes a space as \040, a tab as \011, a backslash as \134.</summary>
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
