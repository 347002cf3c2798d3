using Nkdump.Capture;
using Nkdump.Capture.Machine;

namespace Nkdump.Cli.Commands;

/// <summary>Verbs of the capture side: save (in the capture kernel), savecore (next boot, raw targets).</summary>
internal static class CaptureCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        new Command(
            "save",
            "save the crash dump to kdump.conf's target (run by the capture initramfs)",
            "save [--config FILE] [--root DIR] [--vmcore PATH]",
            """
              --config FILE   kdump.conf to follow (default ROOT/etc/kdump.conf)
              --root DIR      treat DIR as / (tests): /proc/cmdline, /dev, /sys, hooks and mount points are
                              under DIR, and mounts, reboot, halt, power off and the shell are only printed
              --vmcore PATH   the crashed kernel's memory (default ROOT/proc/vmcore)

            Follows kdump-utils' kdump.sh: kdump_pre (failing: final_action); the dump to the target —
            a local file system (device, UUID=, LABEL=) mounted on /kdumproot, the root file system
            (root= of the kernel command line) on /sysroot when no target is given, NFS on /kdumproot,
            ssh (a flattened vmcore.flat), or a raw device (flattened; see savecore) — into
            PATH/HOST-YYYY-MM-DD-HH:MM:SS/ with vmcore-dmesg.txt first, then vmcore-incomplete renamed
            vmcore once synced, then nkdump-triage.json (the crash's triage report, which the boot report,
            list and show read for a dump on an ssh or NFS target); kdump_post with the dump's status;
            failure_action or final_action.
            The directory is made fresh (0700; HOST-DATE-2, -3 ... when the name exists) and its files
            0600, never through a symbolic link. A part that could not be saved (the kernel log of a
            damaged ring, a hook) is named in nkdump-errors.txt beside the dump; the vmcore is still saved.
            The new directory is flock'ed while it is written (rm and prune leave it alone); kdump.conf's
            keep_dumps and keep_free_space remove older dumps first, oldest first (not on ssh targets).
            For ssh and NFS, the network comes first: ip=CLIENT::GATEWAY:NETMASK::DEVICE:none on the
            kernel command line when written by hand, else /etc/nkdump/network, which start derived
            from the host's route to the server (the NIC by MAC; DHCPv4, static IPv4, IPv6 SLAAC or
            static; over a VLAN, an active-backup bond or a bridge); ssh uses -i SSHKEY, BatchMode, StrictHostKeyChecking=yes,
            /root/.ssh/known_hosts and, when present, -F /root/.ssh/config (for a port).
            Every step is logged to stderr with the prefix "nkdump: ". Without --root, save runs only
            where /proc/vmcore exists (a capture kernel), since it reboots the machine at the end.
            Exit status (when the machine is still up): 0 saved, 1 not saved.
            """,
            Save),
        new Command(
            "savecore",
            "save a dump left on a raw target by the capture kernel (run at boot)",
            "savecore [--config FILE] [--root DIR]",
            """
              --config FILE   kdump.conf (default ROOT/etc/kdump.conf)
              --root DIR      treat DIR as / (tests)

            When kdump.conf's target is 'raw DEVICE' and the device holds a flattened dump, rebuilds it
            as PATH/127.0.0.1-YYYY-MM-DD-HH:MM:SS/vmcore (0600) with vmcore-dmesg.txt, then zeroes
            the device's 4096-byte flattened header so that the next boot does not save it again.
            Exit status: 0 saved or nothing to save (no raw target, "no dump on DEVICE"); 1 failed
            (a dump cut short is kept as vmcore-incomplete and the header cleared all the same).
            """,
            SaveCore),
    ];

    private static int Save(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root", "--vmcore").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        var root = new CaptureRoot(HostCommandSupport.Root(parsed));
        var log = new CaptureLog(ctx.Error);
        var settings = new SaveSettings
        {
            Root = root,
            ConfigFile = parsed.Get("--config"),
            Vmcore = parsed.Get("--vmcore"),
            Triage = root.IsSystem ? TriageInChild : TriageJsonOf,
            CrashReporter = root.IsSystem ? vmcore => Fleet.CaptureTriage.FromJson(TriageInChild(vmcore)) : Fleet.CaptureTriage.Report,
        };
        if (root.IsSystem && !File.Exists(settings.VmcorePath))
        {
            log.Error($"{settings.VmcorePath} does not exist: save runs in a capture kernel (or give --root for a test)");
            return ExitCodes.Failure;
        }

        ICaptureMachine machine = root.IsSystem ? new LinuxCaptureMachine(log) : new PrintingMachine(ctx.Out);
        return new SaveRunner(settings, machine, log).Run();
    }

    private static readonly TimeSpan TriageTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The crash's triage report as JSON (nkdump-triage.json beside the dump), computed here (tests: --root).</summary>
    private static string TriageJsonOf(string vmcore)
    {
        using var session = Nkdump.Kernel.KernelSession.Open(vmcore);
        return System.Text.Json.JsonSerializer.Serialize(Nkdump.Analysis.Triage.TriageReport.Build(session),
            Nkdump.Analysis.Commands.AnalysisJsonContext.CreateReadable().TriageJson) + "\n";
    }

    /// <summary>
    /// The triage JSON from `nkdump triage --json VMCORE` run as a child process, in the capture kernel:
    /// save runs as init there, and the kernel panics when init runs out of memory (it cannot be
    /// killed), which the e2e ssh case met with the collector's heap still around. The child (triage
    /// took about 60 MiB of anonymous memory on the host's 6.1 fixture) can only fail itself, killed
    /// by the OOM killer or after the time limit.
    /// </summary>
    private static string TriageInChild(string vmcore)
    {
        GC.Collect(); // the collector's buffers: the child's pages come from the same little memory
        var program = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where the nkdump binary is");
        var start = new System.Diagnostics.ProcessStartInfo(program, ["triage", "--json", vmcore])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var child = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var said = child.StandardError.ReadToEndAsync();
        var output = child.StandardOutput.ReadToEndAsync();
        if (!child.WaitForExit(TriageTimeout))
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"nkdump triage did not finish within {TriageTimeout.TotalSeconds:0} s");
        }

        // Exit 1 with a report: triage missed a part (listed in the report's "missing"), the rest stands.
        return child.ExitCode is 0 or 1 && output.Result.TrimStart().StartsWith('{') ? output.Result
            : throw new InvalidOperationException($"nkdump triage exited with status {child.ExitCode}: {said.Result.Trim()}");
    }

    private static int SaveCore(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        var root = new CaptureRoot(HostCommandSupport.Root(parsed));
        return new SaveCoreRunner(root, HostCommandSupport.ConfigPath(parsed), TimeProvider.System, new CaptureLog(ctx.Error)).Run();
    }

    /// <summary>For --root: prints what the capture kernel would do instead of doing it.</summary>
    private sealed class PrintingMachine(TextWriter output) : ICaptureMachine
    {
        public void Mount(string source, string target, string fileSystemType, string? options) =>
            output.WriteLine($"mount -t {fileSystemType}{(options is null ? "" : " -o " + options)} {source} {target}");

        public void BringUp(string device) => output.WriteLine($"ip link set {device} up");

        public void ConfigureInterface(string device, System.Net.IPAddress address, System.Net.IPAddress netmask, System.Net.IPAddress? gateway) =>
            output.WriteLine($"ifconfig {device} {address} netmask {netmask} up{(gateway is null ? "" : $"; route add default gw {gateway}")}");

        public string ReadKernelLog() => "";

        public void Reboot() => output.WriteLine("reboot");

        public void Halt() => output.WriteLine("halt");

        public void PowerOff() => output.WriteLine("poweroff");

        public void RunShell() => output.WriteLine("shell");
    }
}
