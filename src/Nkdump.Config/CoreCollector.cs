namespace Nkdump.Config;

/// <summary>
/// The <c>core_collector</c> command: its program and arguments, and what nkdump needs to know
/// about a makedumpfile-style collector (its dump level and whether it writes the flattened format).
/// </summary>
public sealed record CoreCollector(string Program, IReadOnlyList<string> Arguments, int Line)
{
    /// <summary>kdump-utils' default for targets that take a file: "makedumpfile -l --message-level 7 -d 31".</summary>
    public static CoreCollector DefaultFor(DumpTarget target, int dumpLevel) =>
        target.NeedsFlattened
            ? new("makedumpfile", ["-F", "-l", "--message-level", "7", "-d", Level(dumpLevel)], 0)
            : new("makedumpfile", ["-l", "--message-level", "7", "-d", Level(dumpLevel)], 0);

    /// <summary>makedumpfile, or nkdump standing in for it (as "nkdump collect" or through its argv[0] name).</summary>
    public bool IsMakedumpfile =>
        Path.GetFileName(Program) == "makedumpfile"
        || (Path.GetFileName(Program) == "nkdump" && Arguments.Count > 0 && Arguments[0] == "collect");

    /// <summary>True when the arguments ask for the flattened format (-F, possibly among bundled short flags).</summary>
    public bool WritesFlattened => IsMakedumpfile && Arguments.Any(a => a == "-F" || IsShortBundle(a, 'F'));

    /// <summary>The <c>-d N</c> / <c>-dN</c> / <c>--dump-level N</c> value; null when absent; -1 when unreadable.</summary>
    public int? DumpLevel
    {
        get
        {
            if (!IsMakedumpfile)
            {
                return null;
            }

            int? level = null;
            for (var i = 0; i < Arguments.Count; i++)
            {
                var arg = Arguments[i];
                string? value = null;
                if (arg is "-d" or "--dump-level")
                {
                    value = i + 1 < Arguments.Count ? Arguments[i + 1] : "";
                }
                else if (arg.StartsWith("--dump-level=", StringComparison.Ordinal))
                {
                    value = arg["--dump-level=".Length..];
                }
                else if (arg.StartsWith("-d", StringComparison.Ordinal) && arg.Length > 2 && char.IsAsciiDigit(arg[2]))
                {
                    value = arg[2..];
                }

                if (value is not null)
                {
                    level = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= DumpFilter.MaxLevel ? n : -1;
                }
            }

            return level;
        }
    }

    /// <summary>The same collector with <c>-d LEVEL</c> appended (used when <c>filter</c> sets the level).</summary>
    public CoreCollector WithDumpLevel(int level) => this with { Arguments = [.. Arguments, "-d", Level(level)] };

    public override string ToString() => Arguments.Count == 0 ? Program : $"{Program} {string.Join(' ', Arguments)}";

    /// <summary>Splits a core_collector value into words (kdump-utils runs it through the shell unquoted).</summary>
    public static CoreCollector Parse(string value, int line)
    {
        var words = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return new CoreCollector(words[0], words[1..], line);
    }

    private static string Level(int level) => level.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsShortBundle(string arg, char flag) =>
        arg.Length > 1 && arg[0] == '-' && arg[1] != '-' && arg.Skip(1).All(char.IsAsciiLetter) && arg.Contains(flag);
}
