using Nkdump.Capture.Store;
using Nkdump.Config;
using Nkdump.Setup;
using Nkdump.Setup.Kexec;
using Nkdump.Setup.Service;

namespace Nkdump.Cli.Commands;

/// <summary>kdumpctl's service verbs: start, stop, restart, reload, rebuild, status, showmem, estimate, test.</summary>
internal static class HostServiceCommands
{
    private const string Common =
        "  --config FILE     kdump.conf to use (default ROOT/etc/kdump.conf)\n"
        + "  --binary FILE     the nkdump to put in the capture initramfs, a path inside ROOT (default /usr/sbin/nkdump)\n"
        + "  --root DIR        treat DIR as / (for tests: kexec is then simulated, nothing is loaded)\n";

    public static IReadOnlyList<Command> All { get; } =
    [
        Service("start", "load the capture kernel (building the capture initramfs when an input changed)", s => s.Start()),
        Service("stop", "unload the capture kernel", s => s.Stop()),
        Service("restart", "unload and load the capture kernel again", s => s.Restart()),
        Service("reload", "load the capture kernel again after a configuration change (same as restart)", s => s.Restart()),
        new("rebuild", "rebuild the capture initramfs even when no input changed", "rebuild [--release RELEASE] [--compress NAME] [--config FILE] [--binary FILE] [--root DIR]",
            $"  --compress NAME   compress the image with NAME: {InitramfsCompressionNames.List}\n"
            + "                    (default: kdump.conf's dracut_args --compress=NAME, else zstd when the kernel's config\n"
            + "                    has CONFIG_RD_ZSTD, else gzip); later builds keep it until kdump.conf chooses\n"
            + "  --release RELEASE the kernel to build for (default the running one; the package's kernel hook names a new one)\n"
            + Common, Rebuild),
        new("status", "say whether kdump is operational (exit 3 when not, with the reason)", "status [--config FILE] [--root DIR] [--json]", Common + "  --json            print the status as JSON\n", Status),
        new("showmem", "print the memory reserved for the capture kernel", "showmem [--root DIR]", HostCommandSupport.RootHelp, ShowMem),
        new("estimate", "estimate the crashkernel= size this machine needs", "estimate [--kernel FILE] [--initramfs FILE] [--root DIR]",
            "  --kernel FILE     the kernel image (default /boot/vmlinuz-RELEASE)\n  --initramfs FILE  the capture initramfs (default the one 'rebuild' writes)\n" + HostCommandSupport.RootHelp,
            Estimate),
        new("test", "crash the machine on purpose to test kdump (asks first)", "test [--force] [--root DIR]",
            "  --force           do not ask for confirmation\n" + HostCommandSupport.RootHelp
            + "\nThe test is recorded first (/var/lib/nkdump/test-status.json, synced); the next boot's\n"
            + "'nkdump report' (or savecore, for a raw target) marks it success or failed, and 'nkdump status'\n"
            + "shows the outcome.\n", Test),
    ];

    private static Command Service(string name, string summary, Action<KdumpService> action) =>
        new(name, summary, $"{name} [--config FILE] [--binary FILE] [--root DIR]", Common, (ctx, args) =>
        {
            var parsed = Parse(args);
            return HostCommandSupport.Guard(ctx, name, () =>
            {
                WarnAboutConfig(ctx, name, parsed);
                action(Create(ctx, parsed));
                return ExitCodes.Success;
            });
        });

    private static int Rebuild(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root", "--binary", "--compress", "--release").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        InitramfsCompression? compression = null;
        if (parsed.Get("--compress") is { } name)
        {
            compression = InitramfsCompressionNames.TryParse(name, out var c) ? c
                : throw new UsageException($"--compress: '{name}' is not one of {InitramfsCompressionNames.List}");
        }

        return HostCommandSupport.Guard(ctx, "rebuild", () =>
        {
            WarnAboutConfig(ctx, "rebuild", parsed);
            Create(ctx, parsed, compression).Rebuild(parsed.Get("--release"));
            return ExitCodes.Success;
        });
    }

    /// <summary>kdump.conf's warnings (ignored directives, dracut_args options) on stderr, before a verb that uses it.</summary>
    private static void WarnAboutConfig(CommandContext ctx, string verb, ParsedArguments parsed)
    {
        var path = HostCommandSupport.ConfigPath(parsed);
        if (verb != "stop" && File.Exists(path))
        {
            HostCommandSupport.LoadConfig(ctx, path);
        }
    }

    private static ParsedArguments Parse(string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root", "--binary").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        return parsed;
    }

    private static KdumpService Create(CommandContext ctx, ParsedArguments parsed, InitramfsCompression? compression = null)
    {
        var root = new HostRoot(HostCommandSupport.Root(parsed));
        IKexecLoader loader = root.IsSystem ? new LinuxKexecLoader() : new RootSimulatedKexecLoader(root);
        var binary = parsed.Get("--binary");
        if (binary is null && root.IsSystem && !File.Exists(Installer.BinaryPath) && Environment.ProcessPath is { } self && Path.GetFileName(self) == "nkdump")
        {
            binary = self;
        }

        return new KdumpService(root, loader, HostCommandSupport.ConfigPath(parsed), binary, ctx.Out) { Compression = compression, BootRunner = root.IsSystem ? ProcessRunner.Real : null, SshRunner = root.IsSystem ? ProcessRunner.Real : null, NfsRunner = root.IsSystem ? ProcessRunner.Real : null, NetworkProbe = root.IsSystem ? new Nkdump.Setup.Network.NetlinkRoute() : null };
    }

    private static int Status(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root", "--binary").Flag("--json").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        return HostCommandSupport.Guard(ctx, "status", () =>
        {
            var status = Create(ctx, parsed).Status();
            var lastTest = LastTest(HostCommandSupport.Root(parsed));
            if (parsed.Has("--json"))
            {
                var facts = new HostFacts(new HostRoot(HostCommandSupport.Root(parsed)));
                HostJsonContext.Write(ctx.Out, new StatusJson(status.Operational, status.Reason, facts.CrashSize, facts.CrashLoaded, status.Warnings, lastTest), HostJsonContext.Default.StatusJson);
                return status.Operational ? ExitCodes.Success : ExitCodes.NotOperational;
            }

            ctx.Out.WriteLine(status.Reason);
            ctx.Out.WriteLine(lastTest);
            foreach (var warning in status.Warnings)
            {
                ctx.Out.WriteLine($"warning: {warning}");
            }

            return status.Operational ? ExitCodes.Success : ExitCodes.NotOperational;
        });
    }

    /// <summary>The last `nkdump test` and its outcome, as the boot report or savecore completed it.</summary>
    private static string LastTest(string root)
    {
        var captureRoot = new Capture.CaptureRoot(root);
        try
        {
            return TestRecords.Describe(TestRecords.Read(captureRoot), TestRecords.BootId(captureRoot));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"last test: unknown ({e.Message})";
        }
    }

    private static int ShowMem(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--root").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        var facts = new HostFacts(new HostRoot(HostCommandSupport.Root(parsed)));
        var size = facts.CrashSize
            ?? throw new Formats.NkdumpException("/sys/kernel/kexec_crash_size is missing: this kernel has no kdump support");
        ctx.Out.WriteLine($"Reserved {size >> 20}MB memory for crash kernel");
        if (size == 0)
        {
            ctx.Out.WriteLine("no crashkernel= reservation: see 'nkdump crashkernel reset'");
        }

        return ExitCodes.Success;
    }

    private static int Estimate(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--root", "--kernel", "--initramfs", "--config").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        return HostCommandSupport.Guard(ctx, "estimate", () =>
            HostCrashkernelCommands.EstimateCommand(ctx, new HostRoot(HostCommandSupport.Root(parsed)), parsed.Get("--kernel"), parsed.Get("--initramfs"),
                HostCommandSupport.TryLoadConfig(ctx, parsed, "estimate")));
    }

    private static int Test(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--root").Flag("--force").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        var root = new HostRoot(HostCommandSupport.Root(parsed));
        var facts = new HostFacts(root);
        if (!facts.CrashLoaded)
        {
            ctx.Error.WriteLine("nkdump test: kdump is not operational (no capture kernel loaded): see 'nkdump status'; not crashing");
            return ExitCodes.Failure;
        }

        if (!parsed.Has("--force"))
        {
            ctx.Out.WriteLine("This crashes the kernel now (echo c > /proc/sysrq-trigger) to test kdump; the machine reboots.");
            ctx.Out.Write("Type 'yes' to continue: ");
            ctx.Out.Flush();
            using var reader = new StreamReader(ctx.OpenStandardInput());
            if (reader.ReadLine()?.Trim() != "yes")
            {
                ctx.Out.WriteLine();
                ctx.Error.WriteLine("nkdump test: not confirmed; nothing done");
                return ExitCodes.Failure;
            }
        }

        // Synced before the crash: the next boot's report (or savecore) completes it.
        TestRecords.Start(new Capture.CaptureRoot(root.Path), DateTimeOffset.UtcNow);
        ctx.Out.WriteLine($"recorded the test in {StoreState.TestFile}; 'nkdump status' shows its outcome after the reboot");
        ctx.Out.WriteLine("triggering a crash");
        ctx.Out.Flush();
        TerminalDrain.StandardOutput();
        File.WriteAllText(root.Resolve("/proc/sysrq-trigger"), "c");
        return ExitCodes.Success;
    }
}
