using Nkdump.Formats;

namespace Nkdump.Capture.Store;

/// <summary>
/// The dumps in one directory (kdump.conf's path on its target, or one given on the command line):
/// listing newest first, finding one by ID, removing. An ID is a dump directory's name; a unique
/// prefix of one works too (as coredumpctl takes a PID or a prefix), and so does a dump
/// directory's path. A directory being written (<see cref="DumpLock"/>) is never removed.
/// </summary>
public sealed class DumpStore(string directory)
{
    /// <summary>The directory whose subdirectories are the dumps.</summary>
    public string Directory { get; } = directory;

    /// <summary>
    /// Every dump directory, newest first (by the time in its name, else its modification time).
    /// A subdirectory that cannot be read is listed with the reason; one holding no dump file is not a dump.
    /// </summary>
    public IReadOnlyList<SavedDump> List()
    {
        IEnumerable<string> subdirectories;
        try
        {
            subdirectories = System.IO.Directory.EnumerateDirectories(Directory).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            throw new NkdumpException($"{Directory}: no such directory (no dump was saved there yet, or the target is not mounted)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{Directory}: cannot read: {e.Message}", e);
        }

        return subdirectories
            .Where(d => !IsLink(d))
            .Select(DumpDirectoryReader.Read)
            .OfType<SavedDump>()
            .OrderByDescending(d => d.Saved)
            .ThenByDescending(d => d.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// The dump <paramref name="id"/> names: a directory's path (anything with a '/'), its exact
    /// name, or a prefix of exactly one name. Throws naming the ID when none matches or, with the
    /// candidates, when several do.
    /// </summary>
    public SavedDump Find(string id)
    {
        if (id.Contains('/'))
        {
            var path = Path.GetFullPath(id);
            return System.IO.Directory.Exists(path) && !IsLink(path.TrimEnd('/')) && DumpDirectoryReader.Read(path) is { } dump
                ? dump
                : throw new NkdumpException($"{id}: not a dump directory (no vmcore, vmcore-incomplete, dump.* or log in it)");
        }

        return Match(List(), id, Directory);
    }

    /// <summary>The dump of <paramref name="dumps"/> (those of <paramref name="where"/>) that <paramref name="id"/> names: its exact name, or a prefix of exactly one.</summary>
    public static SavedDump Match(IReadOnlyList<SavedDump> dumps, string id, string where)
    {
        if (dumps.FirstOrDefault(d => d.Id == id) is { } exact)
        {
            return exact;
        }

        var matches = dumps.Where(d => d.Id.StartsWith(id, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new NkdumpException($"no dump '{id}' in {where}"),
            _ => throw new NkdumpException($"'{id}' is ambiguous in {where}: it starts {string.Join(", ", matches.Select(m => m.Id))}"),
        };
    }

    /// <summary>
    /// Removes a dump directory, holding its lock meanwhile; refuses (throws) when a live process
    /// holds it: that dump is being written.
    /// </summary>
    public static void Remove(SavedDump dump)
    {
        using var held = DumpLock.TryTake(dump.Path)
            ?? throw new NkdumpException($"{dump.Path}: the dump is being written (its writer holds the lock); not removed");

        // Directory.Delete removes symbolic links inside without following them.
        System.IO.Directory.Delete(dump.Path, recursive: true);
    }

    private static bool IsLink(string path) =>
        Formats.IO.UnixFileStatus.Lstat(path) is { Kind: Formats.IO.UnixFileKind.Symlink };
}
