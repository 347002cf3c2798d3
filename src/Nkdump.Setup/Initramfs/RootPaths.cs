using Nkdump.Formats;

namespace Nkdump.Setup.Initramfs;

/// <summary>Symbolic links followed inside a root prefix: an absolute link target means ROOT/target, never the host's.</summary>
internal static class RootPaths
{
    private const int MaxLinks = 40;

    /// <summary>
    /// The real path, inside <paramref name="root"/>, of the absolute path <paramref name="path"/>,
    /// every symbolic link followed; the result is an absolute path inside the root (not prefixed).
    /// Null when a component does not exist.
    /// </summary>
    public static string? Resolve(HostRoot root, string path)
    {
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = new List<string>();
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (current.Count > 0)
                {
                    current.RemoveAt(current.Count - 1);
                }

                continue;
            }

            current.Add(part);
            var inside = "/" + string.Join('/', current);
            var info = new FileInfo(root.Resolve(inside));
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    throw new NkdumpException($"{root.Resolve(path)}: too many levels of symbolic links");
                }

                current.RemoveAt(current.Count - 1);
                if (target.StartsWith('/'))
                {
                    current.Clear();
                }

                foreach (var p in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(p);
                }

                continue;
            }

            if (!info.Exists && !Directory.Exists(info.FullName))
            {
                return null;
            }
        }

        return "/" + string.Join('/', current);
    }
}
