namespace Nkdump.Cli;

/// <summary>
/// nkdump run as `kdumpctl` (kdump-utils' tool, which cockpit, sos and linux-system-roles call):
/// its verbs mapped to nkdump's, with the lines kdumpctl prints ("kdump: " on stderr, as its
/// logger does: "kdump: kexec: loaded kdump kernel", "kdump: Starting kdump: [OK]",
/// "kdump: Kdump is operational") and its exit codes (status: 0 operational, 3 not; others 0/1).
/// Options after the verb go to nkdump's verb (--root DIR for tests).
/// </summary>
internal static class KdumpctlPersonality
{
    public const string Name = "kdumpctl";

    public static IReadOnlyList<string> Verbs { get; } =
        ["start", "stop", "restart", "reload", "status", "rebuild", "propagate", "showmem", "estimate", "get-default-crashkernel", "reset-crashkernel", "test"];

    public static int Run(string[] args, CommandContext context)
    {
        var verb = args.Length > 0 ? args[0] : "";
        var run = new PersonalityRun("kdump: ", args.Length > 0 ? args[1..] : [], context);
        switch (verb)
        {
            case "start":
                return Start(run) ? ExitCodes.Success : ExitCodes.Failure;
            case "stop":
                return Stop(run) ? ExitCodes.Success : ExitCodes.Failure;
            case "restart":
                return Stop(run) && Start(run) ? ExitCodes.Success : ExitCodes.Failure;
            case "reload":
                return Reload(run);
            case "status":
                return Status(run);
            case "rebuild":
                return Relayed(run, run.Invoke("rebuild", run.Rest));
            case "propagate":
                return run.Pass("propagate", run.Rest);
            case "showmem":
                return Relayed(run, run.Invoke("showmem", run.Rest));
            case "estimate":
                return run.Pass("estimate", run.Rest);
            case "get-default-crashkernel":
                // kdumpctl takes the dump mode (kdump or fadump); x86_64 has one default either way.
                return run.Pass("crashkernel", ["get-default"]);
            case "reset-crashkernel":
                return ResetCrashkernel(run);
            case "test":
                return Test(run);
            default:
                run.Say($"Usage: kdumpctl {{{string.Join('|', Verbs)}}}");
                return ExitCodes.Failure;
        }
    }

    private static bool Start(PersonalityRun run)
    {
        if (run.Facts.CrashLoaded)
        {
            run.Say("Kdump already running: [WARNING]");
            return true;
        }

        var result = run.Invoke("start", run.Rest);
        run.Relay(result);
        if (!result.Succeeded)
        {
            run.Say("kexec: failed to load kdump kernel");
            run.Say("Starting kdump: [FAILED]");
            return false;
        }

        run.Say("kexec: loaded kdump kernel");
        run.Say("Starting kdump: [OK]");
        return true;
    }

    private static bool Stop(PersonalityRun run)
    {
        var result = run.Invoke("stop", run.Rest);
        run.Relay(result);
        if (!result.Succeeded)
        {
            run.Say("kexec: failed to unload kdump kernel");
            run.Say("Stopping kdump: [FAILED]");
            return false;
        }

        run.Say("kexec: unloaded kdump kernel");
        run.Say("Stopping kdump: [OK]");
        return true;
    }

    private static int Reload(PersonalityRun run)
    {
        if (!run.Facts.CrashLoaded)
        {
            run.Say("Kdump was not running: [WARNING]");
        }

        var result = run.Invoke("restart", run.Rest);
        run.Relay(result);
        if (!result.Succeeded)
        {
            run.Say("Starting kdump: [FAILED]");
            return ExitCodes.Failure;
        }

        run.Say("Stopping kdump: [OK]");
        run.Say("Starting kdump: [OK]");
        return ExitCodes.Success;
    }

    private static int Status(PersonalityRun run)
    {
        var result = run.Invoke("status", run.Rest);
        run.Relay(result);
        switch (result.Exit)
        {
            case ExitCodes.Success:
                run.Say("Kdump is operational");
                return ExitCodes.Success;
            case ExitCodes.NotOperational:
                run.Say("Kdump is not operational");
                return ExitCodes.NotOperational;
            default:
                return result.Exit;
        }
    }

    /// <summary>kdumpctl reset-crashkernel [--kernel=PATH|ALL|DEFAULT] [--fadump=on|off|nocma]: nkdump sets one value for every kernel.</summary>
    private static int ResetCrashkernel(PersonalityRun run)
    {
        var passed = new List<string> { "reset" };
        foreach (var arg in run.Rest)
        {
            if (arg.StartsWith("--kernel=", StringComparison.Ordinal) || arg == "--reboot")
            {
                run.Say($"{arg}: nkdump sets crashkernel= for every kernel of the boot configuration at once");
                continue;
            }

            if (arg.StartsWith("--fadump", StringComparison.Ordinal))
            {
                run.Say($"{arg}: fadump is a POWER feature; nkdump supports kdump on x86_64 only");
                return ExitCodes.Usage;
            }

            passed.Add(arg);
        }

        return run.Pass("crashkernel", [.. passed]);
    }

    private static int Test(PersonalityRun run)
    {
        if (!run.Facts.CrashLoaded)
        {
            run.Say("Kdump needs be operational before test.");
            return ExitCodes.Failure;
        }

        return run.Pass("test", run.Rest);
    }

    private static int Relayed(PersonalityRun run, VerbResult result)
    {
        run.Relay(result);
        return result.Exit;
    }
}
