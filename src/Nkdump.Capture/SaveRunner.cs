using Nkdump.Capture.Devices;
using Nkdump.Capture.Machine;
using Nkdump.Capture.Targets;
using Nkdump.Collector;
using Nkdump.Config;
using Nkdump.Formats;

namespace Nkdump.Capture;

/// <summary>
/// `nkdump save`, what the capture initramfs runs after a crash, following kdump-utils' kdump.sh:
/// read kdump.conf; kdump_pre (failing: final_action, exit 1); dump to the target; post hooks with
/// the dump's status; on failure failure_action (reboot/halt/poweroff end here; after shell or
/// dump_to_rootfs final_action follows, as kdump-utils' error handler does); on success final_action.
/// Only the vmcore can fail a capture: the logs, the free-space check and the hooks are optional
/// parts whose failures, whatever they throw, are logged and written beside the dump as
/// nkdump-errors.txt (<see cref="CaptureLog.IncidentsFile"/>) before the machine goes down.
/// Returns 0 when the dump was saved, 1 otherwise (reached only when the machine did not go down).
/// </summary>
public sealed class SaveRunner(SaveSettings settings, ICaptureMachine machine, CaptureLog log)
{
    /// <summary>kdump-utils names the directory of a local dump after 127.0.0.1 (HOST_IP's default).</summary>
    public const string LocalHost = "127.0.0.1";

    private readonly CaptureRoot _root = settings.Root;
    private readonly DateTime _started = settings.Clock.GetLocalNow().DateTime;
    private DumpFacts? _facts;

    /// <summary>The triage JSON written beside the dump (computed once, with the facts); null when there is none.</summary>
    private string? _triage;

    /// <summary>/proc/vmcore, opened once for the log, the size bounds and the collector (which may run twice: the target, then dump_to_rootfs).</summary>
    private IKernelDump? _vmcore;

    /// <summary>Writes a note beside the last dump attempt's directory; null while there is none.</summary>
    private Action<string, byte[]>? _writeNote;
    private bool _incidentsWritten;

    public int Run()
    {
        // The collector compresses on one thread per CPU the capture kernel has (capture_cpus: nr_cpus=).
        log.Info($"saving the crash dump ({settings.VmcorePath}) on {Environment.ProcessorCount} CPU(s)");
        if (CaptureMemory.Describe(_root) is { } memory)
        {
            log.Info(memory);
        }

        KdumpConfig config;
        try
        {
            config = KdumpConfigParser.Load(settings.ConfigPath);
        }
        catch (ConfigException e)
        {
            log.Error(e.Message);
            config = KdumpConfigParser.Parse("", settings.ConfigPath);
            log.Info("using kdump-utils' defaults");
            return Failed(config);
        }

        try
        {
            return Capture(config);
        }
        catch (Exception e)
        {
            // Every part guards itself; this is for a bug between them. The capture kernel must still
            // reach failure_action rather than stop with an unhandled exception.
            log.Error($"internal error: {e.GetType().Name}: {e.Message}");
            return Failed(config);
        }
        finally
        {
            _vmcore?.Dispose();
        }
    }

    private int Capture(KdumpConfig config)
    {
        var hooks = new Hooks(_root, log);
        var preFailed = false;
        OptionalPart.Run(log, "running the pre hooks", () => preFailed = !hooks.RunPre(config.KdumpPre));
        if (preFailed)
        {
            log.Error("kdump_pre failed: no dump is taken");
            FinalAction(config);
            return 1;
        }

        ComputeTriage(config);
        var started = settings.Clock.GetTimestamp();
        var saved = DumpTo(config, config.Target);
        LogCost(started);
        OptionalPart.Run(log, "running the post hooks", () => hooks.RunPost(config.KdumpPost, saved ? 0 : 1));
        if (!saved)
        {
            return Failed(config);
        }

        FinalAction(config);
        return 0;
    }

    /// <summary>How long the target took and nkdump's peak memory: what capture_cpus and crashkernel= are sized from.</summary>
    private void LogCost(long started)
    {
        var seconds = settings.Clock.GetElapsedTime(started).TotalSeconds;
        log.Info($"the target took {seconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} s");
        if (CaptureMemory.DescribePeak(_root) is { } peak)
        {
            log.Info(peak);
        }
    }

    private bool DumpTo(KdumpConfig config, DumpTarget target)
    {
        try
        {
            var vmcore = _vmcore ??= OpenVmcore(config);
            var facts = _facts ??= ReadFacts(vmcore);
            var collector = config.CoreCollector;
            switch (target.Kind)
            {
                case DumpTargetKind.Raw:
                    StorageStacks.Activate(_root, log);
                    var device = new BlockDevices(_root).Resolve(target.Value)
                        ?? throw new CaptureFailedException($"raw device {target.Value} not found");
                    return new RawDump(log).Write(device, vmcore, collector);
                case DumpTargetKind.Ssh:
                    return DumpToSsh(config, target, vmcore, facts);
                case DumpTargetKind.S3:
                    return DumpToS3(config, vmcore, facts);
                default:
                    var (mountPoint, host) = MountFileSystem(target);
                    var dump = new DirectoryDump(log, machine, DumpEncryption.For(config))
                    {
                        Retention = Store.RetentionPolicy.From(config),
                        RetentionPrefix = target.Kind == DumpTargetKind.Nfs ? host + "-" : null,
                    };
                    var names = DumpNames.For(config.DumpLayout, host, _started, network: target.Kind == DumpTargetKind.Nfs);
                    var saved = dump.Write(mountPoint, config.Path, names, vmcore, facts, collector);
                    _writeNote = dump.Directory is null ? _writeNote : dump.WriteNote;
                    WriteTriage(dump.Directory, DumpEncryption.For(config));
                    return saved;
            }
        }
        catch (CaptureFailedException e)
        {
            log.Error(e.Message);
            return false;
        }
        catch (Exception e)
        {
            // Whatever breaks in a target's code (a codec library missing in the initramfs, an
            // exception from a compression worker), the capture must go on to failure_action.
            log.Error($"saving failed: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    private (string MountPoint, string Host) MountFileSystem(DumpTarget target)
    {
        var mounter = new TargetMounter(_root, machine, log);
        switch (target.Kind)
        {
            case DumpTargetKind.FileSystem:
                return (mounter.MountLocal(target), LocalHost);
            case DumpTargetKind.Nfs:
                var plan = new NetworkSetup(_root, machine, settings.Network ?? new LinuxCaptureNetwork(), log).Bring(TargetMounter.ReadCommandLine(_root));
                var server = RemoteAddress.Resolve(NfsMount.Server(target.Value), TargetMounter.ReadCommandLine(_root), plan?.Server);
                return (mounter.MountNfs(target, server), OwnAddress(server));
            default:
                return (mounter.MountRootFileSystem(), LocalHost);
        }
    }

    private bool DumpToSsh(KdumpConfig config, DumpTarget target, IKernelDump vmcore, DumpFacts facts)
    {
        var plan = new NetworkSetup(_root, machine, settings.Network ?? new LinuxCaptureNetwork(), log).Bring(TargetMounter.ReadCommandLine(_root));
        var host = target.Value[(target.Value.IndexOf('@') + 1)..];
        var server = RemoteAddress.Resolve(host, TargetMounter.ReadCommandLine(_root), plan?.Server);
        var sshConfig = _root.Resolve(SaveSettings.SshConfigFile);
        var ssh = new SshDump(log, machine, settings.SshPath, _root.Resolve(config.SshKey), _root.Resolve(SaveSettings.KnownHostsFile), File.Exists(sshConfig) ? sshConfig : null, DumpEncryption.For(config));
        var saved = ssh.Write(target.Value, config.Path, DumpDirectoryName.For(OwnAddress(server), _started), vmcore, facts, config.CoreCollector);
        _writeNote = ssh.Directory is null ? _writeNote : ssh.WriteNote;
        WriteTriage(ssh.Directory, DumpEncryption.For(config));
        return saved;
    }

    private bool DumpToS3(KdumpConfig config, IKernelDump vmcore, DumpFacts facts)
    {
        var s3 = config.S3 ?? throw new CaptureFailedException("the s3 target has no settings");
        var plan = new NetworkSetup(_root, machine, settings.Network ?? new LinuxCaptureNetwork(), log).Bring(TargetMounter.ReadCommandLine(_root));
        var commandLine = TargetMounter.ReadCommandLine(_root);
        var endpoint = S3.S3Location.ParseEndpoint(s3.Endpoint);
        var server = RemoteAddress.Resolve(endpoint.Host, commandLine, plan?.Server);
        using var client = S3Target.Client(_root, s3, log, server);
        var dump = new S3Dump(log, client, s3.Prefix, settings.CrashReporter);
        var saved = dump.Write(OwnAddress(server), _started, vmcore, facts, config.CoreCollector, facts.RamBytes);
        _writeNote = dump.Directory is null ? _writeNote : dump.WriteNote;
        return saved;
    }

    /// <summary>This machine's address toward the server, which names the dump directory.</summary>
    private string OwnAddress(string server)
    {
        var own = RemoteAddress.LocalAddressToward(server);
        if (own is null)
        {
            log.Warning($"no route to {server} found to name the dump directory; using {LocalHost}");
        }

        return own ?? LocalHost;
    }

    /// <summary>
    /// Opens /proc/vmcore as the collector reads it (<see cref="CollectRunner.OpenInput"/>: mapped a
    /// window at a time, or read with pread under --non-mmap). A vmcore that cannot be opened fails
    /// the capture: no collector could read it either.
    /// </summary>
    private IKernelDump OpenVmcore(KdumpConfig config)
    {
        try
        {
            return CollectRunner.OpenInput(settings.VmcorePath, config.CoreCollector.Options?.NonMmap ?? false, log.Info);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException)
        {
            throw new CaptureFailedException($"cannot read {settings.VmcorePath}: {e.Message}", e);
        }
    }

    /// <summary>The log and size bounds: any failure here costs only the log and the free-space check.</summary>
    private DumpFacts ReadFacts(IKernelDump vmcore)
    {
        try
        {
            return (settings.FactsReader ?? DumpFacts.Read)(vmcore);
        }
        catch (Exception e)
        {
            var problem = $"reading the crashed kernel's log failed: {e.GetType().Name}: {e.Message}";
            return new DumpFacts(null, problem, 0, 0);
        }
    }

    /// <summary>
    /// The crash's triage report, before the dump: the capture kernel's memory is smallest then (the
    /// collector's buffers are not there yet), and the CLI computes it in a child process that only
    /// fails itself when memory runs out. Not for a raw target, which has no directory to put it in.
    /// </summary>
    private void ComputeTriage(KdumpConfig config)
    {
        // The host triages a local dump it can read by itself; the file is for dumps it cannot read
        // where they are: on an ssh or NFS server, or encrypted.
        var needed = config.Target.Kind is DumpTargetKind.Ssh or DumpTargetKind.Nfs || config.Encrypt.Count > 0;
        if (settings.Triage is null || config.Target.Kind == DumpTargetKind.Raw || !needed)
        {
            return;
        }

        if (CaptureMemory.AvailableKibibytes(_root) is { } available && available < TriageNeedKibibytes)
        {
            // Better no signature than an OOM kill in the middle of a capture: the report then says it is unknown.
            log.Warning($"not computing {Store.DumpSmallFiles.Triage}: {available / 1024} MiB available, triage needs about {TriageNeedKibibytes / 1024} MiB (a larger crashkernel= gives the report the crash signature)");
            return;
        }

        OptionalPart.Run(log, $"computing {Store.DumpSmallFiles.Triage}", () => _triage = settings.Triage(settings.VmcorePath));
    }

    /// <summary>
    /// What `nkdump triage` takes: 68 MiB of anonymous memory and 17 MiB of file pages on the 6.1
    /// fixture (peak RssAnon/RssFile, session 28), plus room for the kernel meanwhile.
    /// </summary>
    private const long TriageNeedKibibytes = 96 * 1024;

    /// <summary>
    /// The triage JSON beside the dump (sealed like the log when kdump.conf encrypts it): what the
    /// host's boot report, list and show read of a dump on an ssh or NFS target instead of the dump.
    /// </summary>
    private void WriteTriage(string? directory, DumpEncryption? encryption)
    {
        if (directory is null || _writeNote is null || _triage is null)
        {
            return;
        }

        var name = DumpEncryption.DmesgName(encryption, Store.DumpSmallFiles.Triage);
        OptionalPart.Run(log, $"saving {name}", () =>
        {
            _writeNote(name, DumpEncryption.DmesgBytes(encryption, System.Text.Encoding.UTF8.GetBytes(_triage)));
            log.Info($"saved the crash's triage report as {name}");
        });
    }

    /// <summary>nkdump-errors.txt beside the dump, once, before the machine goes down or the shell opens.</summary>
    private void WriteIncidents()
    {
        if (_incidentsWritten || _writeNote is null || log.Incidents.Count == 0)
        {
            return;
        }

        _incidentsWritten = true;
        var text = log.IncidentsText();
        if (OptionalPart.Run(log, $"writing {CaptureLog.IncidentsFile}", () => _writeNote(CaptureLog.IncidentsFile, System.Text.Encoding.UTF8.GetBytes(text))))
        {
            log.Info($"what went wrong is listed in {CaptureLog.IncidentsFile} beside the dump");
        }
    }

    private int Failed(KdumpConfig config)
    {
        log.Info($"executing failure_action {ActionNames.Of(config.FailureAction)}");
        switch (config.FailureAction)
        {
            case FailureAction.Reboot:
                WriteIncidents();
                machine.Reboot();
                return 1;
            case FailureAction.Halt:
                WriteIncidents();
                machine.Halt();
                return 1;
            case FailureAction.Poweroff:
                WriteIncidents();
                machine.PowerOff();
                return 1;
            case FailureAction.Shell:
                WriteIncidents();
                machine.RunShell();
                break;
            case FailureAction.DumpToRootfs:
                if (DumpTo(config, DumpTarget.Default))
                {
                    log.Info("the dump was saved to the root file system instead");
                }

                break;
        }

        FinalAction(config);
        return 1;
    }

    private void FinalAction(KdumpConfig config)
    {
        log.Info($"executing final_action {ActionNames.Of(config.FinalAction)}");
        WriteIncidents();
        switch (config.FinalAction)
        {
            case Config.FinalAction.Halt:
                machine.Halt();
                break;
            case Config.FinalAction.Poweroff:
                machine.PowerOff();
                break;
            default:
                machine.Reboot();
                break;
        }
    }
}
