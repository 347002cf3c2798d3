using Nkdump.Capture.Machine;
using Nkdump.Formats.IO;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Creates the directory a dump goes into, so that the capture (root, at a crash or at boot) writes
/// only inside the target and only into a directory it made itself. kdump.conf's path is taken
/// below the target's mount point: a '..' is refused, and so is a symbolic link or a non-directory
/// on the way (it could lead anywhere on the machine); missing directories of the path are created
/// 0755, as kdump-utils' mkdir -p does. The dump directory itself is made with mkdir(2), 0700: when
/// its name exists already (a second attempt in the same second, or something planted there), the
/// next free NAME-2, NAME-3… is taken instead — a dump is never written into a directory someone
/// else may have prepared, nor lost for want of a name.
/// </summary>
internal static class DumpDirectories
{
    /// <summary>NAME, then NAME-2 … NAME-100.</summary>
    public const int MaxAttempts = 100;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PathMode = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>Creates <paramref name="path"/> (kdump.conf's) below <paramref name="mountPoint"/>, then a new dump directory in it; returns the latter's full path.</summary>
    public static string Create(string mountPoint, string path, string name, CaptureLog log)
    {
        var parent = EnsurePath(mountPoint, path);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var candidate = Path.Join(parent, attempt == 1 ? name : $"{name}-{attempt}");
            if (NativeCalls.MakeDirectory(candidate, OwnerOnly))
            {
                File.SetUnixFileMode(candidate, OwnerOnly); // the umask may have taken bits away; never added any
                NativeCalls.SyncDirectory(parent); // the new entry survives a reboot too
                return candidate;
            }

            log.Warning($"{candidate} exists already: the dump goes into a directory of its own instead");
        }

        throw new CaptureFailedException($"cannot create a dump directory in {parent}: {name} and {name}-2 to -{MaxAttempts} all exist");
    }

    /// <summary>The directories of kdump.conf's path, '.' dropped; a '..' is refused.</summary>
    public static IReadOnlyList<string> Components(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        return parts.Contains("..")
            ? throw new CaptureFailedException($"path '{path}': a '..' would leave the dump target; refused")
            : parts;
    }

    private static string EnsurePath(string mountPoint, string path)
    {
        var current = mountPoint;
        foreach (var part in Components(path))
        {
            current = Path.Join(current, part);
            var status = UnixFileStatus.Lstat(current);
            if (status is null)
            {
                NativeCalls.MakeDirectory(current, PathMode); // false: made meanwhile by someone else, judged below
                status = UnixFileStatus.Lstat(current) ?? throw new CaptureFailedException($"cannot create {current}");
            }

            if (status.Kind == UnixFileKind.Symlink)
            {
                throw new CaptureFailedException($"{current} is a symbolic link: kdump.conf's path {path} must lead through real directories of the target, where a link could lead anywhere; refused");
            }

            if (status.Kind != UnixFileKind.Directory)
            {
                throw new CaptureFailedException($"{current} is {status.KindName}, not a directory (kdump.conf's path {path})");
            }
        }

        return current;
    }
}
