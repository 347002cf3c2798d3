using Nkdump.Formats;

namespace Nkdump.Capture;

/// <summary>Where `nkdump save` finds its inputs; the defaults are the capture initramfs' paths.</summary>
public sealed record SaveSettings
{
    public const string DefaultVmcore = "/proc/vmcore";
    public const string KnownHostsFile = "/root/.ssh/known_hosts";
    public const string SshConfigFile = "/root/.ssh/config";

    public CaptureRoot Root { get; init; } = CaptureRoot.Real;

    /// <summary>kdump.conf (already resolved: a host path).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The crashed kernel's memory (already resolved: a host path).</summary>
    public string? Vmcore { get; init; }

    /// <summary>The ssh client; null: the first of /usr/bin/ssh, /bin/ssh under the root.</summary>
    public string? SshProgram { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Reads the log and size bounds of the vmcore (tests make it fail); null: <see cref="DumpFacts.Read"/>.</summary>
    internal Func<IKernelDump, DumpFacts>? FactsReader { get; init; }

    /// <summary>
    /// The crash's triage report as JSON (what `nkdump triage --json` prints) of the vmcore at the
    /// path given, written beside every dump as <see cref="Store.DumpSmallFiles.Triage"/> so that the
    /// host's boot report reads the crash's signature from the target without fetching the dump (ssh,
    /// NFS); null: not written (the capture project does not know the analysis; the CLI supplies it).
    /// </summary>
    public Func<string, string>? Triage { get; init; }

    /// <summary>DHCP, IPv6 and waiting for the derived capture network (tests record them); null: the Linux calls.</summary>
    internal Machine.ICaptureNetwork? Network { get; init; }

    /// <summary>The crashed kernel's triage for an s3 target's crash.json (the command layer knows the analysis code); null: none, the signature is "unknown".</summary>
    public Func<string, S3.CrashReport>? CrashReporter { get; init; }

    public string ConfigPath => ConfigFile ?? Root.Resolve(Config.KdumpConfig.DefaultFile);

    public string VmcorePath => Vmcore ?? Root.Resolve(DefaultVmcore);

    public string SshPath => SshProgram
        ?? new[] { "/usr/bin/ssh", "/bin/ssh", "/usr/local/bin/ssh" }.Select(Root.Resolve).FirstOrDefault(File.Exists)
        ?? "ssh";
}
