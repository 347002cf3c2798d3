using Nkdump.Config;

namespace Nkdump.Cli.Commands;

/// <summary>What the host verbs share: the root prefix, the config path, and mapping config errors to exit 1.</summary>
internal static class HostCommandSupport
{
    public const string RootHelp = "  --root DIR        treat DIR as / (for tests and chroots; default /)\n";

    /// <summary>The --root value (default "/"), as a full path.</summary>
    public static string Root(ParsedArguments parsed) => Path.GetFullPath(parsed.Get("--root") ?? "/");

    /// <summary>The kdump.conf to read: --config as given, else ROOT/etc/kdump.conf.</summary>
    public static string ConfigPath(ParsedArguments parsed) =>
        parsed.Get("--config") ?? Path.Combine(Root(parsed), KdumpConfig.DefaultFile.TrimStart('/'));

    /// <summary>Runs a host verb body; a <see cref="ConfigException"/> is printed and exits 1.</summary>
    public static int Guard(CommandContext ctx, string verb, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ConfigException e)
        {
            ctx.Error.WriteLine($"nkdump {verb}: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Loads kdump.conf and prints its warnings to stderr.</summary>
    public static KdumpConfig LoadConfig(CommandContext ctx, string path)
    {
        var config = KdumpConfigParser.Load(path);
        foreach (var warning in config.Warnings)
        {
            ctx.Error.WriteLine($"nkdump: warning: {warning}");
        }

        return config;
    }

    /// <summary>
    /// kdump.conf for verbs that only take hints from it (crashkernel get-default, estimate): null
    /// when it does not exist; when it is broken, a warning on stderr and null, so that sizing
    /// crashkernel= never depends on a config that `start` would refuse anyway.
    /// </summary>
    public static KdumpConfig? TryLoadConfig(CommandContext ctx, ParsedArguments parsed, string verb)
    {
        var path = ConfigPath(parsed);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return KdumpConfigParser.Load(path);
        }
        catch (ConfigException e)
        {
            ctx.Error.WriteLine($"nkdump {verb}: warning: {e.Message}; ignoring kdump.conf here");
            return null;
        }
    }

    /// <summary>The sub-verb (first positional), checked against the known ones.</summary>
    public static string SubVerb(ParsedArguments parsed, params string[] known)
    {
        if (parsed.Positionals.Count == 0)
        {
            throw new UsageException($"a sub-command is needed: {string.Join(", ", known)}");
        }

        var sub = parsed.Positionals[0];
        return known.Contains(sub) ? sub : throw new UsageException($"unknown sub-command '{sub}' (known: {string.Join(", ", known)})");
    }
}
