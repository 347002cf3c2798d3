using Nkdump.Formats;
using Nkdump.Formats.Elf;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// Finds every shared library an executable needs, the way ld.so would on x86_64 Debian/Fedora
/// systems without ld.so.cache: the ELF interpreter, then each DT_NEEDED name searched in
/// DT_RUNPATH/DT_RPATH and the system directories, recursively. Paths are inside the root.
/// </summary>
internal sealed class SharedLibraryResolver(HostRoot root)
{
    /// <summary>Searched in this order, as the multiarch and lib64 layouts place the libraries.</summary>
    public static IReadOnlyList<string> SystemDirectories { get; } =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    /// <summary>
    /// The libraries of <paramref name="executable"/> (a path inside the root) and of those
    /// libraries, each as (path the loader asks for, real file inside the root). Not the executable itself.
    /// </summary>
    public IReadOnlyList<(string Path, string Source)> Resolve(string executable)
    {
        var result = new List<(string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(executable);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            var real = RootPaths.Resolve(root, current) ?? throw new NkdumpException($"{root.Resolve(current)} does not exist");
            var info = ElfDynamicInfo.Read(root.Resolve(real));
            if (info.Interpreter is { } interp && seen.Add(interp))
            {
                var source = RootPaths.Resolve(root, interp)
                    ?? throw new NkdumpException($"{root.Resolve(current)} needs the ELF interpreter {interp}, which is not under {root}");
                result.Add((interp, source));
            }

            foreach (var name in info.Needed)
            {
                if (name.Contains('/'))
                {
                    throw new NkdumpException($"{root.Resolve(current)} needs '{name}' by path; only library names are supported");
                }

                var found = Find(name, info.RunPath)
                    ?? throw new NkdumpException($"{root.Resolve(current)} needs {name}, which is in none of {string.Join(", ", SystemDirectories)} under {root}");
                if (result.Any(r => Path.GetFileName(r.Item1) == name) || !seen.Add(found.Path))
                {
                    continue;
                }

                result.Add(found);
                queue.Enqueue(found.Path);
            }
        }

        return result;
    }

    /// <summary>A library by name in the system directories (for libraries loaded with dlopen, which DT_NEEDED does not list).</summary>
    public (string Path, string Source)? FindLibrary(string name) => Find(name, []);

    private (string Path, string Source)? Find(string name, IReadOnlyList<string> runPath)
    {
        foreach (var dir in runPath.Where(d => d.StartsWith('/')).Concat(SystemDirectories))
        {
            var candidate = $"{dir.TrimEnd('/')}/{name}";
            if (RootPaths.Resolve(root, candidate) is { } source && File.Exists(root.Resolve(source)) && ElfFile.IsElf(root.Resolve(source)))
            {
                return (candidate, source);
            }
        }

        return null;
    }
}
