namespace Nkdump.Capture.Store;

/// <summary>
/// An NFS export the host has not mounted, mounted read-only with the system's mount(8) on a private
/// directory under /run/nkdump for as long as the dumps are read (soft, short timeouts: a dead server
/// costs seconds at boot, never a hang), and unmounted on dispose. Dumps are named server:/export/PATH/ID.
/// </summary>
public sealed class NfsDumpSource : LocalDumpSource
{
    private readonly string _mountPoint;
    private readonly Func<IReadOnlyList<string>, TextWriter, int> _runner;

    private NfsDumpSource(string mountPoint, string directory, Func<string, string> location, ISet<string> ownNames, Func<IReadOnlyList<string>, TextWriter, int> runner)
        : base(directory, location, ownNames)
    {
        _mountPoint = mountPoint;
        _runner = runner;
    }

    /// <summary>Mounts <paramref name="export"/> (server:/export) read-only; throws an <see cref="Formats.NkdumpException"/> saying what mount said when it cannot.</summary>
    public static NfsDumpSource Mount(CaptureRoot root, string export, string path, ISet<string> ownNames, Func<IReadOnlyList<string>, TextWriter, int> runner)
    {
        var scratch = root.Resolve("/run/nkdump");
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(scratch, OwnerOnly);
        var mountPoint = Path.Combine(scratch, $"nfs-dumps-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mountPoint, OwnerOnly);
        var said = new StringWriter();
        int status;
        try
        {
            status = runner(["mount", "-t", "nfs", "-o", "ro,soft,timeo=50,retrans=1", export, mountPoint], said);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            TryRemove(mountPoint);
            throw new Formats.NkdumpException($"cannot run mount to read the NFS target {export}: {e.Message}", e);
        }

        if (status != 0)
        {
            TryRemove(mountPoint);
            var text = said.ToString().Trim();
            throw new Formats.NkdumpException($"cannot mount the NFS target {export} read-only to read its dumps (mount exit status {status}{(text.Length > 0 ? ": " + text : "")})");
        }

        var directory = Path.GetFullPath(Path.Join(mountPoint, path));
        var server = export.TrimEnd('/');
        return new NfsDumpSource(mountPoint, directory, p => server + p[mountPoint.Length..], ownNames, runner);
    }

    public override void Dispose()
    {
        try
        {
            _runner(["umount", _mountPoint], new StringWriter());
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            // Left mounted read-only under /run (gone at the next boot); the dumps were read.
        }

        TryRemove(_mountPoint);
        base.Dispose();
    }

    private static void TryRemove(string mountPoint)
    {
        try
        {
            Directory.Delete(mountPoint); // never recursive: it may still be the server's export
        }
        catch (IOException)
        {
        }
    }
}
