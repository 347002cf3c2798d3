using Nkdump.Config;

namespace Nkdump.Cli;

/// <summary>
/// nkdump run as `kdump-config` (Debian's kdump-tools): its verbs mapped to nkdump's, with the lines
/// scripts look for ("current state   : ready to kdump" from status, which like kdump-config exits 0
/// either way; "loaded kdump kernel", "unloaded kdump kernel"; show's "KEY:   value" lines).
/// savecore is the capture step in kdump-tools, so it runs `nkdump save`. Options after the verb go
/// to nkdump's verb (--root DIR for tests).
/// </summary>
internal static class KdumpConfigPersonality
{
    public const string Name = "kdump-config";

    public static IReadOnlyList<string> Verbs { get; } = ["show", "status", "load", "unload", "test", "savecore", "propagate"];

    public static int Run(string[] args, CommandContext context)
    {
        var verb = args.Length > 0 ? args[0] : "";
        var run = new PersonalityRun("", args.Length > 0 ? args[1..] : [], context);
        switch (verb)
        {
            case "status":
                context.Out.WriteLine($"current state   : {State(run)}");
                return ExitCodes.Success;
            case "show":
                return Show(run);
            case "load":
                return Load(run);
            case "unload":
                return Unload(run);
            case "test":
                // kdump-config test is a dry run: it checks the setup and prints what load would do.
                return Show(run) == ExitCodes.Success ? run.Pass("config", ["check", .. run.Rest]) : ExitCodes.Failure;
            case "savecore":
                return run.Pass("save", run.Rest);
            case "propagate":
                return run.Pass("propagate", run.Rest);
            default:
                context.Out.WriteLine($"Usage: kdump-config {{{string.Join('|', Verbs)}}}");
                return ExitCodes.Failure;
        }
    }

    private static string State(PersonalityRun run) => run.Facts.CrashLoaded ? "ready to kdump" : "Not ready to kdump";

    private static int Load(PersonalityRun run)
    {
        if (run.Facts.CrashLoaded)
        {
            run.Context.Out.WriteLine("kdump kernel already loaded");
            return ExitCodes.Success;
        }

        var result = run.Invoke("start", run.Rest);
        run.Relay(result);
        run.Context.Out.WriteLine(result.Succeeded ? "loaded kdump kernel" : "failed to load kdump kernel");
        return result.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static int Unload(PersonalityRun run)
    {
        var result = run.Invoke("stop", run.Rest);
        run.Relay(result);
        run.Context.Out.WriteLine(result.Succeeded ? "unloaded kdump kernel" : "failed to unload kdump kernel");
        return result.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>kdump-config show: the settings and state, as "KEY:  value" lines.</summary>
    private static int Show(PersonalityRun run)
    {
        var w = run.Context.Out;
        KdumpConfig config;
        try
        {
            config = KdumpConfigParser.Load(run.Root.Resolve(KdumpConfig.DefaultFile));
        }
        catch (ConfigException e)
        {
            run.Context.Error.WriteLine($"kdump-config: error: {e.Message}");
            return ExitCodes.Failure;
        }

        w.WriteLine("DUMP_MODE:        kdump");
        w.WriteLine("USE_KDUMP:        1");
        w.WriteLine($"KDUMP_COREDIR:    {config.Path}");
        if (config.Target.Kind == DumpTargetKind.Ssh)
        {
            w.WriteLine($"SSH:              {config.Target.Value}");
            w.WriteLine($"SSH_KEY:          {config.SshKey}");
        }
        else if (config.Target.Kind == DumpTargetKind.Nfs)
        {
            w.WriteLine($"NFS:              {config.Target.Value}");
        }

        if (CrashkernelAddress(run) is { } address)
        {
            w.WriteLine($"crashkernel addr: 0x{address}");
        }

        w.WriteLine($"current state:    {State(run)}");
        return ExitCodes.Success;
    }

    /// <summary>The start of the "Crash kernel" range in /proc/iomem (all zeros without root), or null.</summary>
    private static string? CrashkernelAddress(PersonalityRun run)
    {
        var iomem = run.Root.TryReadText("/proc/iomem");
        var line = iomem?.Split('\n').FirstOrDefault(l => l.EndsWith(": Crash kernel", StringComparison.Ordinal));
        var dash = line?.IndexOf('-') ?? -1;
        return dash > 0 ? line![..dash].Trim() : null;
    }
}
