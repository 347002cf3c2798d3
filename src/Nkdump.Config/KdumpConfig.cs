namespace Nkdump.Config;

/// <summary>
/// The effective kdump.conf: every setting with kdump-utils' defaults filled in, plus where each
/// explicit one came from. Built by <see cref="KdumpConfigParser"/>; immutable.
/// </summary>
public sealed record KdumpConfig
{
    public const string DefaultPath = "/var/crash";
    public const string DefaultSshKey = "/root/.ssh/kdump_id_rsa";
    public const string DefaultFile = "/etc/kdump.conf";

    /// <summary>The file this came from (for messages).</summary>
    public string File { get; init; } = DefaultFile;

    public DumpTarget Target { get; init; } = DumpTarget.Default;

    /// <summary>Directory of the dump, relative to the target's root (absolute from / for the default target).</summary>
    public string Path { get; init; } = DefaultPath;

    public string SshKey { get; init; } = DefaultSshKey;

    /// <summary>The collector that runs, with the filter's level applied; the default when none was given.</summary>
    public required CoreCollector CoreCollector { get; init; }

    /// <summary>True when kdump.conf named a core_collector.</summary>
    public bool CoreCollectorExplicit { get; init; }

    /// <summary>The <c>filter</c> directive's dump level, when present.</summary>
    public int? Filter { get; init; }

    public FailureAction FailureAction { get; init; } = FailureAction.Reboot;

    public FinalAction FinalAction { get; init; } = FinalAction.Reboot;

    public string? KdumpPre { get; init; }

    public string? KdumpPost { get; init; }

    public string? KdumpEmergency { get; init; }

    public IReadOnlyList<string> ExtraBins { get; init; } = [];

    public IReadOnlyList<string> ExtraModules { get; init; } = [];

    public bool ForceRebuild { get; init; }

    public bool ForceNoRebuild { get; init; }

    public bool AutoResetCrashkernel { get; init; } = true;

    /// <summary>The capture initramfs' compression that <c>dracut_args --compress=X</c> asks for; null for the default.</summary>
    public InitramfsCompression? InitramfsCompression { get; init; }

    /// <summary>The line of the <c>dracut_args</c> that set <see cref="InitramfsCompression"/> (0 when none did).</summary>
    public int InitramfsCompressionLine { get; init; }

    /// <summary>nkdump's <c>kdump_commandline</c>: the capture kernel's base command line instead of /proc/cmdline.</summary>
    public string? CommandLine { get; init; }

    /// <summary>nkdump's <c>kdump_commandline_remove</c>: parameter names removed besides the built-in list.</summary>
    public IReadOnlyList<string> CommandLineRemove { get; init; } = [];

    /// <summary>nkdump's <c>kdump_commandline_append</c>: parameters added after the built-in x86_64 additions.</summary>
    public IReadOnlyList<string> CommandLineAppend { get; init; } = [];

    /// <summary>nkdump's <c>dump_layout</c>: the names of the dump directory and files (default kdump-utils').</summary>
    public DumpLayout DumpLayout { get; init; } = DumpLayout.RedHat;

    /// <summary>nkdump's <c>keep_dumps N</c>: at most N dumps stay in the dump directory, the newest; null: no limit.</summary>
    public int? KeepDumps { get; init; }

    /// <summary>nkdump's <c>keep_free_space SIZE</c>: older dumps are removed until this much stays free; null: no limit.</summary>
    public ulong? KeepFreeSpace { get; init; }

    /// <summary>nkdump's <c>report_hook</c>: a program the boot report runs for each new dump, the triage JSON on its stdin.</summary>
    public string? ReportHook { get; init; }

    /// <summary>nkdump's <c>encrypt</c>: age recipients the dump is encrypted to; empty: the dump is written in the clear.</summary>
    public IReadOnlyList<string> Encrypt { get; init; } = [];

    /// <summary>
    /// nkdump's <c>encrypt_dmesg</c> (1 by default): with <c>encrypt</c>, the kernel log is encrypted
    /// too (vmcore-dmesg.txt.age). It holds what the kernel printed: command lines, addresses, device
    /// and user names, sometimes data; 0 keeps it readable on the dump server without the key.
    /// </summary>
    public bool EncryptDmesg { get; init; } = true;

    /// <summary>
    /// nkdump's <c>capture_cpus N</c>: the capture kernel boots with nr_cpus=N (kdump-utils: always 1),
    /// and the collector compresses on N threads. Each extra CPU costs the capture kernel memory
    /// (per-CPU areas, the collector's buffers): give crashkernel= room for it.
    /// </summary>
    public int CaptureCpus { get; init; } = 1;

    /// <summary>
    /// <c>capture_cpus auto</c>: <c>nkdump start</c> chooses the count from the reservation, the memory
    /// the capture needs with one CPU and what each extra CPU costs, and the machine's CPU count
    /// (<see cref="CaptureCpus"/> is then 1, the floor).
    /// </summary>
    public bool CaptureCpusAuto { get; init; }

    /// <summary>The s3 target's endpoint, bucket, prefix, region, credentials and CA files; null for other targets.</summary>
    public S3Settings? S3 { get; init; }

    /// <summary>The most <c>capture_cpus</c> takes: beyond a few CPUs the disk, not compression, limits a capture.</summary>
    public const int MaxCaptureCpus = 16;

    /// <summary>The line each directive given in the file is on (targets under their directive, e.g. "ssh").</summary>
    public IReadOnlyDictionary<string, int> Lines { get; init; } = new Dictionary<string, int>();

    /// <summary>"FILE:LINE: 'DIRECTIVE'" for a directive the file gives, "FILE" for a default: where a message about it points.</summary>
    public string Where(string directive) =>
        Lines.TryGetValue(directive, out var line) ? $"{File}:{line}: '{directive}'" : File;

    /// <summary>Accepted lines that deserve attention (unsupported or deprecated directives).</summary>
    public IReadOnlyList<ConfigWarning> Warnings { get; init; } = [];

    /// <summary>The dump level the collector uses (31 unless set otherwise), or null for a non-makedumpfile collector.</summary>
    public int? EffectiveDumpLevel => CoreCollector.DumpLevel;

    /// <summary>Whether the capture initramfs needs a shell: hooks run as scripts, or failure_action shell.</summary>
    public bool NeedsShell => KdumpPre is not null || KdumpPost is not null || KdumpEmergency is not null
        || FailureAction == FailureAction.Shell;

    /// <summary>The settings that have defaults, in kdump.conf syntax, one per line (what `config show` prints).</summary>
    public IEnumerable<string> EffectiveLines()
    {
        if (Target.Kind == DumpTargetKind.RootFileSystem)
        {
            yield return "# no dump target given: the dump goes to the file system holding 'path'";
        }
        else
        {
            yield return $"{Target.Directive} {Target.Value}";
        }

        yield return $"path {Path}";
        yield return $"dump_layout {DumpLayoutNames.Of(DumpLayout)}";
        if (Target.Kind == DumpTargetKind.Ssh)
        {
            yield return $"sshkey {SshKey}";
        }

        if (S3 is { } s3)
        {
            yield return $"s3_region {s3.Region}";
            yield return $"s3_credentials {s3.CredentialsFile}";
            if (s3.CaFile is not null)
            {
                yield return $"s3_ca_file {s3.CaFile}";
            }
        }

        yield return $"core_collector {CoreCollector}";
        if (Filter is { } filter)
        {
            yield return $"filter {filter}";
        }

        yield return $"failure_action {ActionNames.Of(FailureAction)}";
        yield return $"final_action {ActionNames.Of(FinalAction)}";
        if (KdumpPre is not null)
        {
            yield return $"kdump_pre {KdumpPre}";
        }

        if (KdumpPost is not null)
        {
            yield return $"kdump_post {KdumpPost}";
        }

        if (KdumpEmergency is not null)
        {
            yield return $"kdump_emergency {KdumpEmergency}";
        }

        if (ExtraBins.Count > 0)
        {
            yield return $"extra_bins {string.Join(' ', ExtraBins)}";
        }

        if (ExtraModules.Count > 0)
        {
            yield return $"extra_modules {string.Join(' ', ExtraModules)}";
        }

        yield return $"force_rebuild {(ForceRebuild ? 1 : 0)}";
        yield return $"force_no_rebuild {(ForceNoRebuild ? 1 : 0)}";
        yield return $"auto_reset_crashkernel {(AutoResetCrashkernel ? "yes" : "no")}";
        if (CaptureCpusAuto)
        {
            yield return "capture_cpus auto";
        }
        else if (CaptureCpus != 1)
        {
            yield return $"capture_cpus {CaptureCpus}";
        }

        if (InitramfsCompression is { } compression)
        {
            yield return $"dracut_args --compress={InitramfsCompressionNames.Of(compression)}";
        }

        if (CommandLine is not null)
        {
            yield return $"kdump_commandline {CommandLine}";
        }

        if (CommandLineRemove.Count > 0)
        {
            yield return $"kdump_commandline_remove {string.Join(' ', CommandLineRemove)}";
        }

        if (CommandLineAppend.Count > 0)
        {
            yield return $"kdump_commandline_append {string.Join(' ', CommandLineAppend)}";
        }

        if (KeepDumps is { } keep)
        {
            yield return $"keep_dumps {keep}";
        }

        if (KeepFreeSpace is { } free)
        {
            yield return $"keep_free_space {Crashkernel.MemorySize.Format(free)}";
        }

        if (ReportHook is not null)
        {
            yield return $"report_hook {ReportHook}";
        }
    }
}
