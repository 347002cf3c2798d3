using Nkdump.Capture.Targets;
using Nkdump.Config;

namespace Nkdump.Capture.Store;

/// <summary>How the host reaches a network target's dumps (the defaults are the system's; tests replace them).</summary>
public sealed record TargetAccess
{
    /// <summary>The ssh client; null: the first of /usr/bin/ssh, /bin/ssh under the root.</summary>
    public string? SshProgram { get; init; }

    /// <summary>Runs mount and umount (argv, where their output goes; their exit status); null: no NFS export can be mounted here.</summary>
    public Func<IReadOnlyList<string>, TextWriter, int>? Runner { get; init; }

    /// <summary>This machine's names on the network (<see cref="DumpOwners"/>); null: found from the route to the server and the host name.</summary>
    public ISet<string>? OwnNames { get; init; }
}

/// <summary>
/// kdump.conf's target as a source of dumps on this host: the local directory (the root file system,
/// a mounted device, a raw target's savecore directory); an NFS export where it is mounted, else
/// mounted read-only for the occasion; an ssh server over the capture's connection.
/// </summary>
public static class TargetDumps
{
    /// <summary>Where fetched small files of dumps on an ssh server are kept: STATE/remote/ID.</summary>
    public const string CacheDirectory = StoreState.Directory + "/remote";

    /// <summary>The source, or null and why there is none (a device not here, an export that cannot be mounted…).</summary>
    public static (IDumpSource? Source, string? Problem) Open(CaptureRoot root, KdumpConfig config, TargetAccess access)
    {
        var target = config.Target;
        try
        {
            switch (target.Kind)
            {
                case DumpTargetKind.Ssh:
                    var host = target.Value[(target.Value.IndexOf('@') + 1)..];
                    var sshConfig = root.Resolve(SaveSettings.SshConfigFile);
                    var ssh = access.SshProgram ?? new[] { "/usr/bin/ssh", "/bin/ssh" }.Select(root.Resolve).FirstOrDefault(File.Exists) ?? "ssh";
                    var options = SshDump.OptionsFor(root.Resolve(config.SshKey), root.Resolve(SaveSettings.KnownHostsFile), File.Exists(sshConfig) ? sshConfig : null);
                    return (new SshDumpSource(ssh, options, target.Value, config.Path, root.Resolve(CacheDirectory), access.OwnNames ?? DumpOwners.Own(host, HostName(root))), null);
                case DumpTargetKind.Nfs:
                    var own = access.OwnNames ?? DumpOwners.Own(NfsMount.Server(target.Value), HostName(root));
                    var (mounted, _) = DumpLocation.Find(root, config);
                    if (mounted is not null)
                    {
                        return (new LocalDumpSource(mounted, null, own), null);
                    }

                    return access.Runner is { } runner
                        ? (NfsDumpSource.Mount(root, target.Value, config.Path, own, runner), null)
                        : (null, $"the NFS target {target.Value} is not mounted here");
            }
        }
        catch (Formats.NkdumpException e)
        {
            return (null, e.Message);
        }

        var (directory, problem) = DumpLocation.Find(root, config);
        return directory is null ? (null, problem) : (new LocalDumpSource(directory), null);
    }

    private static string HostName(CaptureRoot root)
    {
        var file = root.Resolve("/proc/sys/kernel/hostname");
        return File.Exists(file) ? File.ReadAllText(file).Trim() : "";
    }
}
