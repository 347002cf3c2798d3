using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup;

/// <summary>
/// The root prefix every host path goes through, so tests (and chroots) run against a fake
/// /proc, /sys, /etc and /boot tree. "/" is the real system.
/// </summary>
public sealed class HostRoot(string path)
{
    public static HostRoot System { get; } = new("/");

    /// <summary>The prefix as a full path without a trailing slash ("/" stays "/").</summary>
    public string Path { get; } = global::System.IO.Path.GetFullPath(path) is var full && full.Length > 1 ? full.TrimEnd('/') : "/";

    public bool IsSystem => Path == "/";

    /// <summary>The real location of an absolute path inside the root: "/etc/kdump.conf" → "ROOT/etc/kdump.conf".</summary>
    public string Resolve(string absolute)
    {
        if (!absolute.StartsWith('/'))
        {
            throw new ArgumentException($"'{absolute}' is not an absolute path", nameof(absolute));
        }

        return IsSystem ? absolute : Path + absolute;
    }

    /// <summary>The first of <paramref name="candidates"/> that exists as a file inside the root, as a path inside the root.</summary>
    public string? FirstExisting(params string[] candidates) => candidates.FirstOrDefault(c => File.Exists(Resolve(c)));

    /// <summary>Reads a text file inside the root (a regular one, at most <see cref="InputLimits.SystemText"/>), or null when it does not exist.</summary>
    public string? TryReadText(string absolute)
    {
        var real = Resolve(absolute);
        return File.Exists(real) ? InputFile.ReadAllText(real, InputLimits.SystemText, absolute) : null;
    }

    public override string ToString() => Path;
}
