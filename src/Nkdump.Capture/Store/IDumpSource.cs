namespace Nkdump.Capture.Store;

/// <summary>
/// The dumps of one dump directory as the host sees them, wherever it is: a local directory, an NFS
/// export mounted for the occasion, or a directory on an ssh server whose small files are fetched
/// (<see cref="DumpSmallFiles"/>) and never its dumps. `list`, `show` and the boot report read dumps
/// through it.
/// </summary>
public interface IDumpSource : IDisposable
{
    /// <summary>The dump directory as told to people: a path, user@host:PATH, server:/export/PATH.</summary>
    string Where { get; }

    /// <summary>Every dump, newest first (see <see cref="DumpStore.List"/>); empty when the directory does not exist yet (<see cref="Exists"/>).</summary>
    IReadOnlyList<SavedDump> List();

    /// <summary>False when the last <see cref="List"/> found no dump directory at all (no dump was ever saved there).</summary>
    bool Exists { get; }

    /// <summary>
    /// The dumps with their small files readable here: as they are for a local directory; fetched
    /// (the triage JSON, and with <paramref name="logsToo"/> the logs) from a server. A fetch that
    /// fails throws an <see cref="Formats.NkdumpException"/>.
    /// </summary>
    IReadOnlyList<SavedDump> WithSmallFiles(IReadOnlyList<SavedDump> dumps, bool logsToo);

    /// <summary>
    /// True when <paramref name="dump"/> is this machine's: always in a local directory; on a network
    /// target, which machines share, when the directory's name starts with this machine's address
    /// toward the server or its host name (the capture names it so, as kdump-utils does).
    /// </summary>
    bool IsOurs(SavedDump dump);
}

/// <summary>A dump directory on a file system this host has mounted (local, or an NFS export: <paramref name="location"/> then names it on the server).</summary>
public class LocalDumpSource(string directory, Func<string, string>? location = null, ISet<string>? ownNames = null) : IDumpSource
{
    public virtual string Where => location?.Invoke(directory) ?? directory;

    public bool Exists { get; private set; } = true;

    public IReadOnlyList<SavedDump> List()
    {
        Exists = System.IO.Directory.Exists(directory);
        if (!Exists)
        {
            return [];
        }

        var dumps = new DumpStore(directory).List();
        return location is null ? dumps : [.. dumps.Select(d => d with { Location = location(d.Path) })];
    }

    public IReadOnlyList<SavedDump> WithSmallFiles(IReadOnlyList<SavedDump> dumps, bool logsToo) => dumps;

    public bool IsOurs(SavedDump dump) => ownNames is null || DumpOwners.IsOneOf(dump.Id, ownNames);

    public virtual void Dispose() => GC.SuppressFinalize(this);
}
