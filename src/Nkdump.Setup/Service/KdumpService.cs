using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Estimate;
using Nkdump.Setup.Initramfs;
using Nkdump.Setup.Kexec;
using Nkdump.Setup.Network;

namespace Nkdump.Setup.Service;

/// <summary>What `status` found: operational or not, and why.</summary>
public sealed record KdumpStatus(bool Operational, string Reason, IReadOnlyList<string> Warnings);

/// <summary>
/// kdumpctl's service verbs over a root prefix: start (check, build the initramfs when an input
/// changed, load), stop (unload), reload/restart, rebuild, status, showmem.
/// </summary>
public sealed class KdumpService(HostRoot root, IKexecLoader loader, string configPath, string? binary, TextWriter log)
{
    private readonly HostFacts _facts = new(root);

    /// <summary>--compress from the command line: the capture initramfs' compression, overriding kdump.conf.</summary>
    public InitramfsCompression? Compression { get; init; }

    /// <summary>Runs the boot loader's regenerator when auto_reset_crashkernel resets an old default (null: edit files only).</summary>
    public CommandRunner? BootRunner { get; init; }

    /// <summary>Runs ssh to test an ssh target at start, and ssh-keygen to look up hashed known_hosts names (null: neither).</summary>
    public CommandRunner? SshRunner { get; init; }

    /// <summary>Runs mount/umount to test an NFS target at start (null: no test, as under --root).</summary>
    public CommandRunner? NfsRunner { get; init; }

    /// <summary>Reads the host's interfaces, addresses and routes to derive the capture network (null: not derived, as under --root).</summary>
    public INetworkProbe? NetworkProbe { get; init; }

    /// <summary>Resolves a dump server's name at build time (the capture kernel gets the address).</summary>
    public Func<string, System.Net.IPAddress[]> Resolver { get; init; } = System.Net.Dns.GetHostAddresses;

    /// <summary>The capture network derived from this host for <paramref name="config"/> (<see cref="CaptureNetworkDetector"/>), or null when none is derived.</summary>
    public Nkdump.Config.Network.CaptureNetwork? CaptureNetworkFor(KdumpConfig config) =>
        NetworkProbe is null ? null : CaptureNetworkDetector.Detect(config, NetworkProbe, Resolver);

    /// <summary>Loads the capture kernel, building the initramfs first when needed. Returns false when it was already loaded.</summary>
    public bool Start()
    {
        var config = KdumpConfigParser.Load(configPath);
        if (_facts.CrashLoaded)
        {
            log.WriteLine("kdump is already operational (a capture kernel is loaded); use 'restart' to load it again");
            return false;
        }

        LoadRecordingFailure(config);
        AutoResetCrashkernel(config);
        return true;
    }

    /// <summary>auto_reset_crashkernel: an older default crashkernel= becomes the current one (next boot). A failure here only warns: the capture kernel is loaded.</summary>
    public void AutoResetCrashkernel(KdumpConfig config)
    {
        try
        {
            AutoCrashkernelReset.Apply(root, config, BootRunner, log);
        }
        catch (NkdumpException e)
        {
            log.WriteLine($"warning: auto_reset_crashkernel: {e.Message}");
        }
    }

    public void Stop()
    {
        if (!_facts.CrashLoaded)
        {
            log.WriteLine("no capture kernel is loaded");
            return;
        }

        loader.UnloadCrash();
        log.WriteLine("capture kernel unloaded");
    }

    /// <summary>Unload and load again (after a configuration change), rebuilding only when inputs changed.</summary>
    public void Restart()
    {
        var config = KdumpConfigParser.Load(configPath);
        if (_facts.CrashLoaded)
        {
            loader.UnloadCrash();
        }

        LoadRecordingFailure(config);
    }

    /// <summary>
    /// Loads, and remembers why it failed (ROOT/run/nkdump/start-failed: the time and the reason) so
    /// that `status` can say it when the service failed this boot (/run is emptied at boot, as the
    /// failure should be); a successful load forgets it.
    /// </summary>
    private void LoadRecordingFailure(KdumpConfig config)
    {
        var record = root.Resolve(RuntimeDirectory + "/" + StartFailureFile);
        try
        {
            Load(config);
        }
        catch (NkdumpException e)
        {
            try
            {
                Directory.CreateDirectory(root.Resolve(RuntimeDirectory), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                File.WriteAllText(record, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n{e.Message}\n");
            }
            catch (Exception io) when (io is IOException or UnauthorizedAccessException)
            {
                log.WriteLine($"warning: cannot record the failure in {record}: {io.Message}");
            }

            throw;
        }

        if (File.Exists(record))
        {
            File.Delete(record);
        }
    }

    /// <summary>nkdump's runtime directory (emptied at boot).</summary>
    public const string RuntimeDirectory = "/run/nkdump";

    /// <summary>The file in the runtime directory that holds the last failed start's time and reason.</summary>
    public const string StartFailureFile = "start-failed";

    /// <summary>"the last start failed at TIME: REASON", or null when the last start did not fail.</summary>
    private string? LastStartFailure()
    {
        var text = root.TryReadText(RuntimeDirectory + "/" + StartFailureFile);
        var lines = text?.Split('\n', 2);
        return lines is [var time, var reason] ? $"the last start failed ({time.Trim()}): {reason.Trim()}" : null;
    }

    /// <param name="release">The kernel release to build for (a kernel package's hook names the new one); default the running kernel's.</param>
    public InitramfsBuildResult Rebuild(string? release = null)
    {
        var config = KdumpConfigParser.Load(configPath);
        release ??= _facts.KernelRelease;
        var result = CaptureInitramfs.Build(root, Inputs(config, release), force: true, Compression);
        log.WriteLine($"capture initramfs rebuilt: {result.ImagePath} ({Describe(result.Compression!)})");
        return result;
    }

    public KdumpStatus Status()
    {
        var warnings = new List<string>();
        var size = _facts.CrashSize;
        if (size is null)
        {
            return new KdumpStatus(false, $"{root.Resolve("/sys/kernel/kexec_crash_size")} is missing: this kernel has no kdump support (CONFIG_CRASH_DUMP)", warnings);
        }

        try
        {
            var config = KdumpConfigParser.Load(configPath);
            warnings.AddRange(CheckEnvironment(config));
            warnings.AddRange(Audit(config).Where(f => !f.Blocks).Select(f => f.Message));
        }
        catch (ConfigException e)
        {
            warnings.Add(e.Message);
        }

        if (size == 0)
        {
            return new KdumpStatus(false, "no memory is reserved for the capture kernel: add crashkernel= to the kernel command line ('nkdump crashkernel reset') and reboot", warnings);
        }

        if (!_facts.CrashLoaded)
        {
            return new KdumpStatus(false, LastStartFailure() is { } failure
                ? $"{size >> 20} MiB is reserved, but no capture kernel is loaded: {failure}"
                : $"{size >> 20} MiB is reserved, but no capture kernel is loaded: run 'nkdump start' (or enable nkdump.service)", warnings);
        }

        try
        {
            var config = KdumpConfigParser.Load(configPath);
            var release = _facts.KernelRelease;
            if (!CaptureInitramfs.IsCurrent(root, Inputs(config, release), Compression))
            {
                warnings.Add("the capture initramfs is out of date (an input changed since it was built): run 'nkdump restart'");
            }
        }
        catch (Exception e) when (e is NkdumpException or IOException)
        {
            warnings.Add($"cannot check the capture initramfs: {e.Message}");
        }

        return new KdumpStatus(true, $"kdump is operational: a capture kernel is loaded in {size >> 20} MiB", warnings);
    }

    /// <summary>What <see cref="ConfigAudit"/> finds on this machine (hooks, the ssh key, known_hosts, the dump path).</summary>
    internal IReadOnlyList<AuditFinding> Audit(KdumpConfig config) => new ConfigAudit(root, SshRunner).Check(config);

    /// <summary>Problems of this machine that make the capture fail: the audit's blocking findings and a missing dump device.</summary>
    public IReadOnlyList<string> CheckEnvironment(KdumpConfig config)
    {
        var problems = Audit(config).Where(f => f.Blocks).Select(f => f.Message).ToList();
        var release = root.TryReadText("/proc/sys/kernel/osrelease")?.Trim();
        problems.AddRange(LocalTargetCheck.Problems(root, config, string.IsNullOrEmpty(release) ? null : release));
        return problems;
    }

    /// <summary>Where udev puts a device named in kdump.conf: UUID=x → /dev/disk/by-uuid/x, LABEL=x → /dev/disk/by-label/x.</summary>
    public static string? DevicePath(string value) => value switch
    {
        _ when value.StartsWith("UUID=", StringComparison.Ordinal) => "/dev/disk/by-uuid/" + value[5..],
        _ when value.StartsWith("LABEL=", StringComparison.Ordinal) => "/dev/disk/by-label/" + value[6..],
        _ when value.StartsWith("PARTUUID=", StringComparison.Ordinal) => "/dev/disk/by-partuuid/" + value[9..],
        _ when value.StartsWith("PARTLABEL=", StringComparison.Ordinal) => "/dev/disk/by-partlabel/" + value[10..],
        _ when value.StartsWith('/') => value,
        _ => null,
    };

    private void Load(KdumpConfig config)
    {
        var size = _facts.CrashSize ?? 0;
        if (size == 0)
        {
            throw new NkdumpException("no memory is reserved for the capture kernel (kexec_crash_size is 0): add crashkernel= to the kernel command line ('nkdump crashkernel reset') and reboot");
        }

        var problems = CheckEnvironment(config);
        if (problems.Count > 0)
        {
            throw new NkdumpException(string.Join("; ", problems));
        }

        foreach (var warning in Audit(config).Where(f => !f.Blocks))
        {
            log.WriteLine($"warning: {warning.Message}");
        }

        if (config.Target.Kind == DumpTargetKind.Ssh && SshRunner is not null)
        {
            SshTargetTest.Run(root, config, SshRunner, log, MemoryInUse());
        }

        if (config.Target.Kind == DumpTargetKind.Nfs && NfsRunner is not null)
        {
            NfsTargetTest.Run(root, config, NfsRunner, log);
        }

        var release = _facts.KernelRelease;
        var kernel = _facts.FindKernelImage(release)
            ?? throw new NkdumpException($"no kernel image for the running kernel {release}: {root.Resolve($"/boot/vmlinuz-{release}")} does not exist");
        var inputs = Inputs(config, release);
        if (inputs.Network is { } network)
        {
            log.WriteLine($"capture network: {network.Describe()}");
        }

        InitramfsBuildResult built;
        if (config.ForceNoRebuild && File.Exists(root.Resolve(CaptureInitramfs.ImagePath(release))))
        {
            built = new InitramfsBuildResult(false, root.Resolve(CaptureInitramfs.ImagePath(release)), "force_no_rebuild 1", new InitramfsPlan([], [], []));
        }
        else
        {
            built = CaptureInitramfs.Build(root, inputs, force: config.ForceRebuild, Compression);
        }

        log.WriteLine(built.Rebuilt ? $"capture initramfs built ({built.Reason}): {built.ImagePath} ({Describe(built.Compression!)})" : $"capture initramfs up to date: {built.ImagePath}");
        var cpus = CaptureCpus(config, size, root.Resolve(kernel), built.ImagePath, release);
        var commandLine = CaptureCommandLine.Build(_facts.CommandLine, config, CaptureCommandLine.BootCpuApicId(root.TryReadText("/proc/cpuinfo")), cpus.Count);
        loader.LoadCrash(root.Resolve(kernel), built.ImagePath, commandLine);
        log.WriteLine($"capture kernel {kernel} loaded into {size >> 20} MiB");
        if (config.CaptureCpusAuto || cpus.Count > 1)
        {
            log.WriteLine($"capture CPUs: {cpus.Count} ({cpus.Reason})");
        }
    }

    /// <summary>nr_cpus= of the capture kernel; under capture_cpus auto from the one-CPU estimate of this kernel and image.</summary>
    private CaptureCpuChoice CaptureCpus(KdumpConfig config, ulong reserved, string kernelPath, string imagePath, string release)
    {
        if (!config.CaptureCpusAuto)
        {
            return CaptureCpuChoice.For(config, reserved, 0, null);
        }

        var need = CrashkernelEstimator.Estimate(KernelImage.Read(kernelPath).MemoryNeed, (ulong)new FileInfo(imagePath).Length,
            ModuleMemory.LoadedSize(root, release), _facts.SystemRam).Estimated;
        return CaptureCpuChoice.For(config, reserved, need, _facts.OnlineCpus);
    }

    /// <summary>MemTotal - MemAvailable from /proc/meminfo: more than a filtered dump needs, the bound kdumpctl warns by too; 0 when unknown.</summary>
    private long MemoryInUse()
    {
        long? Field(string text, string name) => text.Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 2 && f[0] == name + ":" && long.TryParse(f[1], out _))
            .Select(f => (long?)long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture) * 1024).FirstOrDefault();
        var meminfo = root.TryReadText("/proc/meminfo") ?? "";
        return Field(meminfo, "MemTotal") is { } total && Field(meminfo, "MemAvailable") is { } available && total > available ? total - available : 0;
    }

    private static string Describe(CompressionDecision d)
    {
        var who = d.Source switch
        {
            CompressionSource.Option => "chosen with --compress",
            CompressionSource.Config => "from dracut_args",
            _ => "the default",
        };
        return $"{d.Name}, {who}; {d.Note}";
    }

    private InitramfsInputs Inputs(KdumpConfig config, string release)
    {
        var nkdump = binary ?? (File.Exists(root.Resolve(InitramfsPlanner.BinaryPath)) ? InitramfsPlanner.BinaryPath : null)
            ?? throw new NkdumpException($"{root.Resolve(InitramfsPlanner.BinaryPath)} does not exist: run 'nkdump install' first");
        return new InitramfsInputs(release, nkdump, config, configPath, CaptureNetworkFor(config));
    }
}
