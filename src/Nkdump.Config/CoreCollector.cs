using Nkdump.Config.Collect;

namespace Nkdump.Config;

/// <summary>
/// The <c>core_collector</c> command: its program and words as written, and, for a makedumpfile-style
/// collector (makedumpfile, or nkdump standing in for it as "nkdump collect"), its options parsed once
/// into the request model the capture runs (<see cref="Options"/>).
/// </summary>
public sealed record CoreCollector
{
    /// <summary>
    /// A collector from its words; a makedumpfile-style one's options are parsed here, so options the
    /// capture would refuse fail now (<see cref="CollectUsageException"/>), where config check sees them.
    /// </summary>
    public CoreCollector(string program, IReadOnlyList<string> arguments, int line)
    {
        Program = program;
        Arguments = arguments;
        Line = line;
        var name = Path.GetFileName(program);
        if (name == "makedumpfile" || (name == "nkdump" && arguments.Count > 0 && arguments[0] == "collect"))
        {
            Options = CollectArguments.ParseOptions(name == "nkdump" ? arguments.Skip(1).ToList() : arguments);
        }
    }

    public string Program { get; }

    public IReadOnlyList<string> Arguments { get; private init; }

    public int Line { get; }

    /// <summary>The makedumpfile options, without files; null when the program is not makedumpfile-style.</summary>
    public CollectArguments? Options { get; private init; }

    /// <summary>This collector encrypting its dump to <paramref name="recipients"/> (kdump.conf's <c>encrypt</c>).</summary>
    public CoreCollector Encrypting(IReadOnlyList<string> recipients) =>
        Options is null ? this : this with { Options = Options with { Encrypt = recipients } };

    /// <summary>kdump-utils' default for targets that take a file: "makedumpfile -l --message-level 7 -d 31".</summary>
    public static CoreCollector DefaultFor(DumpTarget target, int dumpLevel) =>
        target.NeedsFlattened
            ? new("makedumpfile", ["-F", "-l", "--message-level", "7", "-d", Level(dumpLevel)], 0)
            : new("makedumpfile", ["-l", "--message-level", "7", "-d", Level(dumpLevel)], 0);

    /// <summary>makedumpfile, or nkdump standing in for it (as "nkdump collect" or through its argv[0] name).</summary>
    public bool IsMakedumpfile => Options is not null;

    /// <summary>True when the options ask for the flattened format (-F, possibly among bundled short flags).</summary>
    public bool WritesFlattened => Options?.Flatten == true;

    /// <summary>The <c>-d</c> level; null when not given or not makedumpfile.</summary>
    public int? DumpLevel => Options?.DumpLevel;

    /// <summary>The same collector with <c>-d LEVEL</c> appended (used when <c>filter</c> sets the level).</summary>
    public CoreCollector WithDumpLevel(int level) =>
        this with { Arguments = [.. Arguments, "-d", Level(level)], Options = Options is null ? null : Options with { DumpLevel = level } };

    /// <summary>The same collector with makedumpfile-style <paramref name="words"/> appended (nkdump's own options, e.g. the capture budget).</summary>
    public CoreCollector WithOptions(IReadOnlyList<string> words) =>
        new(Program, [.. Arguments, .. words], Line);

    public override string ToString() => Arguments.Count == 0 ? Program : $"{Program} {string.Join(' ', Arguments)}";

    /// <summary>Splits a core_collector value into words (kdump-utils runs it through the shell unquoted) and parses it.</summary>
    public static CoreCollector Parse(string value, int line)
    {
        var words = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return new CoreCollector(words[0], words[1..], line);
    }

    private static string Level(int level) => level.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
