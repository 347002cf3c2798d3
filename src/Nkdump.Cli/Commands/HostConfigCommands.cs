using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup;
using Nkdump.Setup.Service;

namespace Nkdump.Cli.Commands;

/// <summary>`nkdump config check|show`: judge kdump.conf, or print the effective settings.</summary>
internal static class HostConfigCommands
{
    public static Command Config { get; } = new(
        "config",
        "check kdump.conf or show the effective settings (like kdumpctl's config checks)",
        "config check|show [--config FILE] [--root DIR] [--json] | import [--from kdump-tools|kdump-utils] [--dry-run] [--root DIR]",
        "Sub-commands:\n"
        + "  check             judge the file (syntax, values, combinations) and what it names on this machine:\n"
        + "                    hooks and extra_bins (missing, not executable, writable by others, not root's), the ssh\n"
        + "                    key (missing, open to others) and known_hosts (no key for the server), a dump path\n"
        + "                    through a symbolic link (exit 1 on an error; warnings on stderr)\n"
        + "  show              print every effective setting, defaults included, in kdump.conf syntax\n"
        + "  import            write /etc/kdump.conf from kdump-tools' /etc/default/kdump-tools or kdump-utils'\n"
        + "                    /etc/kdump.conf and /etc/sysconfig/kdump; each setting not carried over is named on\n"
        + "                    stderr; an existing kdump.conf is kept as kdump.conf.nkdump-import-bak\n"
        + "Options:\n"
        + "  --config FILE     the configuration to read (default ROOT/etc/kdump.conf)\n"
        + "  --json            'show': print the settings as JSON\n"
        + "  --from TOOL       'import': kdump-tools or kdump-utils (default: the one configured under ROOT)\n"
        + "  --dry-run         'import': print the kdump.conf it would write, write nothing\n"
        + HostCommandSupport.RootHelp,
        Run);

    private static int Run(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root", "--from").Flag("--json", "--dry-run").Parse(args);
        var sub = HostCommandSupport.SubVerb(parsed, "check", "show", "import");
        parsed.ExpectPositionals(1, 1, $"no arguments after '{sub}'");
        if (sub == "import")
        {
            return HostCommandSupport.Guard(ctx, "config import", () => HostConfigImport.Run(ctx, parsed));
        }

        var path = HostCommandSupport.ConfigPath(parsed);
        return HostCommandSupport.Guard(ctx, "config", () =>
        {
            var config = HostCommandSupport.LoadConfig(ctx, path);
            if (sub == "check")
            {
                return Check(ctx, config, path, new HostRoot(HostCommandSupport.Root(parsed)));
            }

            if (parsed.Has("--json"))
            {
                var settings = config.EffectiveLines().Where(l => !l.StartsWith('#'))
                    .Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
                var target = config.Target.Kind == DumpTargetKind.RootFileSystem ? "root" : config.Target.Directive;
                HostJsonContext.Write(ctx.Out, new ConfigJson(path, target, settings, config.Warnings.Select(w => w.ToString()).ToList(), CaptureNetworkLine(parsed, config)), HostJsonContext.Default.ConfigJson);
                return ExitCodes.Success;
            }

            foreach (var line in config.EffectiveLines())
            {
                ctx.Out.WriteLine(line);
            }

            if (CaptureNetworkLine(parsed, config) is { } network)
            {
                ctx.Out.WriteLine($"# capture network: {network}");
            }

            return ExitCodes.Success;
        });
    }

    /// <summary>
    /// The capture network nkdump derives for an ssh or NFS target on this machine (the route to the
    /// server; only on the real system, not under --root), what a hand-written ip= means, or why it
    /// cannot be derived; null for local targets.
    /// </summary>
    private static string? CaptureNetworkLine(ParsedArguments parsed, KdumpConfig config)
    {
        if (Nkdump.Setup.Network.CaptureNetworkDetector.ServerName(config.Target) is null)
        {
            return null;
        }

        if (Nkdump.Setup.Network.CaptureNetworkDetector.HasHandWrittenIp(config))
        {
            return "ip= from kdump_commandline_append (written by hand; nothing derived)";
        }

        if (HostCommandSupport.Root(parsed) != "/")
        {
            return "derived from the route to the server at start (not under --root)";
        }

        try
        {
            return Nkdump.Setup.Network.CaptureNetworkDetector.Detect(config, new Nkdump.Setup.Network.NetlinkRoute(), System.Net.Dns.GetHostAddresses)?.Describe();
        }
        catch (NkdumpException e)
        {
            return $"cannot be derived: {e.Message}";
        }
    }

    /// <summary>The file is valid; now what it names on this machine (<see cref="ConfigAudit"/>).</summary>
    private static int Check(CommandContext ctx, KdumpConfig config, string path, HostRoot root)
    {
        var findings = new ConfigAudit(root, ProcessRunner.Real).Check(config);
        foreach (var finding in findings)
        {
            ctx.Error.WriteLine(finding.Blocks ? $"nkdump config: error: {finding.Message}" : $"nkdump: warning: {finding.Message}");
        }

        if (findings.Any(f => f.Blocks))
        {
            return ExitCodes.Failure;
        }

        var warnings = config.Warnings.Count + findings.Count;
        ctx.Out.WriteLine($"{path}: OK ({Describe(config)}{(warnings > 0 ? $", {warnings} warning(s)" : "")})");
        return ExitCodes.Success;
    }

    private static string Describe(KdumpConfig config)
    {
        var target = config.Target.Kind == DumpTargetKind.RootFileSystem
            ? $"dump to {config.Path} on the root file system"
            : $"dump to {config.Target.Directive} {config.Target.Value}, path {config.Path}";
        var level = config.EffectiveDumpLevel is { } l ? $", dump level {l}" : "";
        return target + level;
    }
}
