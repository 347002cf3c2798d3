using Nkdump.Setup;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Initramfs;
using Nkdump.Setup.Service;

namespace Nkdump.Cli.Commands;

/// <summary>install, uninstall, and init (the capture initramfs' first process).</summary>
internal static class HostInstallCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new("install", "install nkdump, nkdump.service (alias kdump.service) and a default kdump.conf", "install [--binary FILE] [--root DIR]",
            "  --binary FILE     the nkdump binary to install (default: this one)\n" + HostCommandSupport.RootHelp, Install),
        new("uninstall", "remove exactly what 'install' put in place", "uninstall [--root DIR]", HostCommandSupport.RootHelp, Uninstall),
        new("init", "first process of the capture initramfs: mount /proc, /sys, /dev, load modules, run 'save'", "init [--root DIR]",
            "  --root DIR        simulate against DIR instead of mounting (for tests)\n"
            + "Runs as /init in the capture kernel; other arguments from the kernel command line are ignored.\n", Init),
    ];

    private static int Install(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--root", "--binary").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        var root = new HostRoot(HostCommandSupport.Root(parsed));
        var binary = parsed.Get("--binary") ?? Environment.ProcessPath
            ?? throw new Formats.NkdumpException("cannot tell where this nkdump binary is: pass --binary");
        if (parsed.Get("--binary") is null && Path.GetFileName(binary) != "nkdump")
        {
            throw new UsageException($"this process is {binary}, not an nkdump binary: pass --binary FILE");
        }

        new Installer(root, ctx.Out).Install(binary);
        if (root.IsSystem)
        {
            ProcessRunner.Real(["systemctl", "daemon-reload"], ctx.Out);
        }

        // An update of nkdump may bring a new default crashkernel= (kdump-utils does this on its update).
        try
        {
            var config = Config.KdumpConfigParser.Load(root.Resolve(Installer.ConfigPath));
            AutoCrashkernelReset.Apply(root, config, root.IsSystem ? ProcessRunner.Real : null, ctx.Out);
        }
        catch (Formats.NkdumpException e)
        {
            ctx.Error.WriteLine($"nkdump install: warning: auto_reset_crashkernel: {e.Message}");
        }

        return ExitCodes.Success;
    }

    private static int Uninstall(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--root").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        var root = new HostRoot(HostCommandSupport.Root(parsed));
        if (root.IsSystem)
        {
            ProcessRunner.Real(["systemctl", "disable", "--now", SystemdUnit.Name], ctx.Out);
        }

        var kept = new Installer(root, ctx.Out).Uninstall();
        if (root.IsSystem)
        {
            ProcessRunner.Real(["systemctl", "daemon-reload"], ctx.Out);
        }

        return kept.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static int Init(CommandContext ctx, string[] args)
    {
        // The kernel passes unknown command-line words to init: only --root means anything here.
        var rootIndex = Array.IndexOf(args, "--root");
        var simulated = rootIndex >= 0 && rootIndex + 1 < args.Length ? new HostRoot(args[rootIndex + 1]) : null;
        if (args.Any(a => a.StartsWith("--", StringComparison.Ordinal) && a != "--root" && a != "--"))
        {
            throw new UsageException($"unknown option '{args.First(a => a.StartsWith("--", StringComparison.Ordinal) && a != "--root")}'");
        }

        if (simulated is null && Environment.ProcessId != 1)
        {
            ctx.Error.WriteLine("nkdump init: runs only as process 1 of the capture initramfs");
            return ExitCodes.Failure;
        }

        var root = simulated ?? HostRoot.System;
        ICaptureSystem system = simulated is null ? new LinuxCaptureSystem() : new LoggingCaptureSystem(ctx.Out);
        new CaptureInit(system, ctx.Error).Prepare(root.Resolve(InitramfsPlanner.ModulesLoadPath));
        var save = CommandTable.Find("save");
        var code = save is null ? ExitCodes.Failure : save.Run(ctx, []);
        if (save is null)
        {
            ctx.Error.WriteLine("nkdump init: this nkdump has no 'save' command");
        }

        if (simulated is null)
        {
            // 'save' performs final_action; if it comes back, PID 1 must not exit.
            ctx.Error.WriteLine($"nkdump init: save returned {code}; rebooting");
            system.Reboot();
        }

        return code;
    }

    /// <summary>For --root: prints what the real init would do.</summary>
    private sealed class LoggingCaptureSystem(TextWriter output) : ICaptureSystem
    {
        public void Mount(string source, string target, string fileSystemType) => output.WriteLine($"mount -t {fileSystemType} {source} {target}");

        public void LoadModule(string path) => output.WriteLine($"load {path}");

        public void Reboot() => output.WriteLine("reboot");
    }
}
