namespace Nkdump.Config;

/// <summary>
/// nkdump's <c>filter</c> directive: which page classes to leave out of the dump. Either
/// makedumpfile's dump level (0–31) or a comma list of names, each a makedumpfile bit:
/// zero 1, cache 2, cache_private 4, user 8, free 16.
/// </summary>
internal static class DumpFilter
{
    public const int MaxLevel = 31;

    private static readonly (string Name, int Bit)[] Names =
    [
        ("zero", 1),
        ("cache", 2),
        ("cache_private", 4),
        ("user", 8),
        ("free", 16),
    ];

    /// <summary>Parses "31" or "zero,cache,free"; returns null and a reason when the text is neither.</summary>
    public static int? TryParse(string text, out string? error)
    {
        error = null;
        text = text.Trim();
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            if (text.Length <= 3 && int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) is var level and <= MaxLevel)
            {
                return level;
            }

            error = $"dump level '{text}' is out of range 0-{MaxLevel}";
            return null;
        }

        var result = 0;
        foreach (var raw in text.Split(','))
        {
            var word = raw.Trim();
            var found = Array.FindIndex(Names, n => n.Name == word);
            if (found < 0)
            {
                error = word.Length == 0
                    ? "empty name in the filter list"
                    : $"unknown page class '{word}' (known: {string.Join(", ", Names.Select(n => n.Name))}, or a number 0-{MaxLevel})";
                return null;
            }

            result |= Names[found].Bit;
        }

        return result;
    }

    /// <summary>The names of the bits set in <paramref name="level"/>, e.g. "zero,cache,cache_private,user,free".</summary>
    public static string Describe(int level) =>
        level == 0 ? "none" : string.Join(',', Names.Where(n => (level & n.Bit) != 0).Select(n => n.Name));
}
