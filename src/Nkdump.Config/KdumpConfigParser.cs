using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Config;

/// <summary>
/// Reads kdump.conf the way kdump-utils does (kdumpctl's parse_config, kdump-lib-initramfs.sh's
/// kdump_read_conf): one "directive value" per line; blank lines and lines starting with '#' are
/// skipped; a '#' inside the value starts a trailing comment; a value wholly in double quotes loses
/// them; each directive at most once; one dump target. Validation of values and combinations is in
/// <see cref="KdumpConfigValidator"/>; both throw <see cref="ConfigException"/> naming file, line and directive.
/// </summary>
public static class KdumpConfigParser
{
    /// <summary>
    /// Directives kdump-utils knows that nkdump accepts but ignores (warned about by name). dracut_args
    /// is read for its compression only; its other options are warned about by the validator.
    /// </summary>
    public static IReadOnlySet<string> Unsupported { get; } =
        new HashSet<string>(StringComparer.Ordinal) { "fence_kdump_args", "fence_kdump_nodes" };

    /// <summary>Directives kdumpctl refuses as deprecated, with the replacement it points to.</summary>
    private static readonly Dictionary<string, string> Deprecated = new(StringComparer.Ordinal)
    {
        ["net"] = "use 'nfs' or 'ssh'",
        ["options"] = "pass module options with 'kdump_commandline_append'",
        ["link_delay"] = "no longer needed",
        ["disk_timeout"] = "no longer needed",
        ["debug_mem_level"] = "no longer supported",
        ["blacklist"] = "use 'kdump_commandline_append module_blacklist=…'",
    };

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "raw", "nfs", "ssh", "sshkey", "path", "core_collector", "failure_action", "default", "final_action",
        "kdump_pre", "kdump_post", "kdump_emergency", "extra_bins", "extra_modules", "force_rebuild",
        "force_no_rebuild", "auto_reset_crashkernel", "filter", "dracut_args",
        "kdump_commandline", "kdump_commandline_append", "kdump_commandline_remove", "dump_layout",
        "keep_dumps", "keep_free_space", "report_hook",
        "encrypt", "encrypt_dmesg",
        "dump_size_limit", "dump_time_limit", "capture_cpus",
        "s3_region", "s3_credentials", "s3_ca_file",
    };

    /// <summary>Reads and validates a kdump.conf file (a regular file of at most <see cref="InputLimits.KdumpConfig"/>: never a FIFO or a device).</summary>
    public static KdumpConfig Load(string path)
    {
        string text;
        try
        {
            text = InputFile.ReadAllText(path, InputLimits.KdumpConfig, "kdump.conf");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The exception names the file already; the ConfigException puts it in front again.
            var reason = e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message;
            throw new ConfigException($"cannot read the configuration: {reason}", path);
        }

        return Parse(text, path);
    }

    /// <summary>Parses and validates kdump.conf text; <paramref name="file"/> names it in messages.</summary>
    public static KdumpConfig Parse(string text, string file = KdumpConfig.DefaultFile)
    {
        var lines = ReadLines(text, file, out var warnings);
        return KdumpConfigValidator.Build(lines, file, warnings);
    }

    /// <summary>The directive lines, each directive once (except that two targets are reported as such).</summary>
    internal static List<ConfigLine> ReadLines(string text, string file, out List<ConfigWarning> warnings)
    {
        warnings = [];
        var result = new List<ConfigLine>();
        var seen = new Dictionary<string, ConfigLine>(StringComparer.Ordinal);
        ConfigLine? target = null;
        var number = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            number++;
            var line = rawLine.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.Contains('\0'))
            {
                throw new ConfigException("the line holds a NUL byte", file, number);
            }

            var split = line.IndexOfAny([' ', '\t']);
            var directive = split < 0 ? line : line[..split];
            var value = split < 0 ? "" : CleanValue(line[(split + 1)..]);
            var entry = new ConfigLine(directive, value, number);

            if (Deprecated.TryGetValue(directive, out var instead))
            {
                throw new ConfigException($"deprecated directive, refused as kdumpctl does: {instead}", file, number, directive);
            }

            if (Unsupported.Contains(directive) || directive.StartsWith("fence_kdump_", StringComparison.Ordinal))
            {
                warnings.Add(new ConfigWarning(file, number, directive, "not supported by nkdump; the line is ignored"));
                continue;
            }

            var isTarget = directive is "raw" or "nfs" or "ssh" or "s3" || DumpTarget.FileSystemDirectives.Contains(directive);
            if (!isTarget && !Known.Contains(directive))
            {
                throw new ConfigException("unknown directive", file, number, directive);
            }

            if (value.Length == 0)
            {
                throw new ConfigException("the directive needs a value", file, number, directive);
            }

            if (isTarget)
            {
                if (target is not null)
                {
                    throw new ConfigException(
                        $"more than one dump target: '{target.Directive} {target.Value}' at line {target.Line} and '{directive} {value}' here",
                        file, number, directive);
                }

                target = entry;
            }
            else
            {
                // 'default' is the old name of failure_action: giving both is a duplicate too.
                var key = directive == "default" ? "failure_action" : directive;
                if (seen.TryGetValue(key, out var first))
                {
                    throw new ConfigException($"given twice (first at line {first.Line} as '{first.Directive}')", file, number, directive);
                }

                seen[key] = entry;
                if (directive == "default")
                {
                    warnings.Add(new ConfigWarning(file, number, directive, "deprecated name of 'failure_action'; rename it"));
                }
            }

            result.Add(entry);
        }

        return result;
    }

    /// <summary>Drops a trailing comment and surrounding double quotes, as kdump_read_conf does.</summary>
    private static string CleanValue(string value)
    {
        var hash = value.IndexOf('#');
        if (hash >= 0)
        {
            value = value[..hash];
        }

        value = value.Trim();
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1].Trim();
        }

        return value;
    }
}

/// <summary>One directive line of kdump.conf, value cleaned of comments and quotes.</summary>
internal sealed record ConfigLine(string Directive, string Value, int Line);
