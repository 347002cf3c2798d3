using System.Globalization;

namespace Nkdump.Collector;

/// <summary>
/// makedumpfile's dump level (-d): each bit excludes one class of pages
/// (DL_EXCLUDE_ZERO .. DL_EXCLUDE_FREE in makedumpfile.h). 0 keeps everything, 31 keeps only
/// what a kernel post-mortem needs.
/// </summary>
[Flags]
public enum DumpLevel
{
    None = 0,

    /// <summary>Pages filled with zeros.</summary>
    Zero = 1,

    /// <summary>Page cache pages without private data (clean file cache).</summary>
    CacheNonPrivate = 2,

    /// <summary>Page cache pages with private data (buffers).</summary>
    CachePrivate = 4,

    /// <summary>User process pages (anonymous memory).</summary>
    User = 8,

    /// <summary>Free pages (in the buddy allocator).</summary>
    Free = 16,

    All = Zero | CacheNonPrivate | CachePrivate | User | Free,
}

internal static class DumpLevels
{
    public const int Max = (int)DumpLevel.All;

    /// <summary>Parses makedumpfile's "-d N" value: a decimal 0 to 31.</summary>
    public static bool TryParse(string text, out DumpLevel level)
    {
        level = DumpLevel.None;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > Max)
        {
            return false;
        }

        level = (DumpLevel)value;
        return true;
    }

    /// <summary>The names of the excluded classes, as kdump.conf's "filter" spells them.</summary>
    public static string Describe(DumpLevel level)
    {
        if (level == DumpLevel.None)
        {
            return "none (every page kept)";
        }

        var names = new List<string>();
        if (level.HasFlag(DumpLevel.Zero))
        {
            names.Add("zero");
        }

        if (level.HasFlag(DumpLevel.CacheNonPrivate))
        {
            names.Add("cache");
        }

        if (level.HasFlag(DumpLevel.CachePrivate))
        {
            names.Add("cache_private");
        }

        if (level.HasFlag(DumpLevel.User))
        {
            names.Add("user");
        }

        if (level.HasFlag(DumpLevel.Free))
        {
            names.Add("free");
        }

        return string.Join(',', names);
    }
}
