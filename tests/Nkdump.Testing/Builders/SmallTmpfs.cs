namespace Nkdump.Testing.Builders;

/// <summary>
/// A tmpfs of a few KiB or MiB mounted on a fresh temporary directory: a real file system that
/// fills up, for the disk-full paths of the collector and of `nkdump save`. Mounting needs root
/// (tests run as root here and in CI); disposing unmounts it and removes the directory.
/// </summary>
internal sealed class SmallTmpfs : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <param name="size">tmpfs' size= option, e.g. "4m" or "64k".</param>
    public SmallTmpfs(string size) => Mount(_directory.Path, size);

    public string Path => _directory.Path;

    public string File(string name) => _directory.File(name);

    /// <summary>Mounts a tmpfs of <paramref name="size"/> on <paramref name="target"/>; the caller unmounts it.</summary>
    public static void Mount(string target, string size)
    {
        var mount = ExternalTool.Run("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", target]);
        if (mount.ExitCode != 0)
        {
            throw new InvalidOperationException("mounting a small tmpfs needs root: " + mount);
        }
    }

    public void Dispose()
    {
        ExternalTool.Run("umount", [_directory.Path]);
        _directory.Dispose();
    }
}
