using System.Globalization;
using Nkdump.Config.Crashkernel;

namespace Nkdump.Config;

/// <summary>
/// nkdump's capture budget in kdump.conf: <c>dump_size_limit SIZE</c> (the vmcore stops growing at
/// SIZE bytes: 512M, 2G) and <c>dump_time_limit SECONDS</c> (no page is written after SECONDS of
/// collecting). Either makes the collector write the most important pages first and stop cleanly
/// when the budget runs out, with a dump marked incomplete; they become the collector's
/// <c>--size-limit</c> and <c>--time-limit</c>.
/// </summary>
internal static class CaptureBudgetSettings
{
    public const string SizeDirective = "dump_size_limit";
    public const string TimeDirective = "dump_time_limit";

    /// <summary>The collector with the budget's options added; unchanged without a budget.</summary>
    public static CoreCollector Apply(CoreCollector collector, ConfigLine? size, ConfigLine? time, string file)
    {
        if (size is null && time is null)
        {
            return collector;
        }

        var first = size ?? time!;
        if (!collector.IsMakedumpfile)
        {
            throw new ConfigException($"a capture budget needs nkdump's collector (makedumpfile-style), not '{collector.Program}'", file, first.Line, first.Directive);
        }

        if (collector.Options!.Elf)
        {
            throw new ConfigException("a capture budget needs a kdump-compressed dump: the core_collector's -E writes ELF", file, first.Line, first.Directive);
        }

        var words = new List<string>();
        if (size is not null)
        {
            words.AddRange(["--size-limit", ReadSize(size, file).ToString(CultureInfo.InvariantCulture)]);
        }

        if (time is not null)
        {
            words.AddRange(["--time-limit", ReadSeconds(time, file).ToString(CultureInfo.InvariantCulture)]);
        }

        return collector.WithOptions(words);
    }

    private static ulong ReadSize(ConfigLine line, string file)
    {
        try
        {
            var bytes = MemorySize.Parse(line.Value);
            return bytes >= 1 << 20 ? bytes
                : throw new ConfigException($"'{line.Value}' is below 1M: not even the dump's headers would fit", file, line.Line, line.Directive);
        }
        catch (FormatException e)
        {
            throw new ConfigException(e.Message, file, line.Line, line.Directive);
        }
    }

    private static int ReadSeconds(ConfigLine line, string file) =>
        int.TryParse(line.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : throw new ConfigException($"'{line.Value}' is not a number of seconds (1 or more)", file, line.Line, line.Directive);
}
