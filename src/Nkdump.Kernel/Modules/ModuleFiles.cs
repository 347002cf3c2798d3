namespace Nkdump.Kernel.Modules;

/// <summary>
/// Finds the .ko files to use for the loaded modules among what the user gave: files (used as they
/// are) and folders (searched, subfolders too, for NAME.ko of each loaded module, with '-' and '_'
/// taken as the same, as modprobe does). Modules compressed in a way nkdump cannot read (.ko.xz,
/// .ko.zst: Debian ships xz) are named in a note instead of being skipped silently.
/// </summary>
internal static class ModuleFiles
{
    /// <summary>A folder tree with more files than this is not searched further (a whole /lib/modules has ~10k).</summary>
    private const int MaxFilesSearched = 200_000;

    public static IEnumerable<string> Find(IReadOnlyList<string> given, IEnumerable<string> loaded, List<string> notes)
    {
        var wanted = loaded.ToDictionary(Normalize, n => n, StringComparer.Ordinal);
        foreach (var path in given)
        {
            if (File.Exists(path))
            {
                yield return path;
                continue;
            }

            if (!Directory.Exists(path))
            {
                notes.Add($"{path}: no such file or folder");
                continue;
            }

            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            var searched = 0;
            foreach (var file in Directory.EnumerateFiles(path, "*.ko*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }))
            {
                if (++searched > MaxFilesSearched)
                {
                    notes.Add($"{path}: more than {MaxFilesSearched} files, search stopped");
                    break;
                }

                var name = Path.GetFileName(file);
                var dot = name.IndexOf(".ko", StringComparison.Ordinal);
                if (dot <= 0 || !wanted.TryGetValue(Normalize(name[..dot]), out var module) || found.ContainsKey(module))
                {
                    continue;
                }

                var suffix = name[(dot + 3)..];
                if (suffix.Length == 0)
                {
                    found[module] = file;
                }
                else
                {
                    notes.Add($"{module}: {file} is compressed ({suffix}), which nkdump does not read: decompress it (xz -dk, zstd -d) and give the .ko");
                }
            }

            foreach (var file in found.Values)
            {
                yield return file;
            }
        }
    }

    private static string Normalize(string name) => name.Replace('-', '_');
}
