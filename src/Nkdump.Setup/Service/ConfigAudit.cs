using Nkdump.Config;
using Nkdump.Formats.IO;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Service;

/// <summary>A finding of <see cref="ConfigAudit"/>: <paramref name="Blocks"/> when the capture would fail (start refuses), else a warning.</summary>
public sealed record AuditFinding(bool Blocks, string Message)
{
    public override string ToString() => Message;
}

/// <summary>
/// Judges a configuration against this machine, which the file alone cannot tell (`config check`
/// judges the file, `start` and `status` this too): hooks and extra_bins that are missing, not
/// programs, or that someone besides root can change (they run as root in the capture kernel); an ssh
/// key that is missing or readable by others (ssh refuses it); a known_hosts without the server (the
/// capture checks its key strictly); a dump path on the root file system through a symbolic link
/// (the capture refuses it). Each message starts with the file, line and directive it is about.
/// </summary>
/// <param name="keyLookup">Runs ssh-keygen for hashed known_hosts names; null: such names are reported as not checked.</param>
public sealed class ConfigAudit(HostRoot root, CommandRunner? keyLookup = null)
{
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode NotOwner = (UnixFileMode)0x3F; // group and other: rwx
    private const UnixFileMode GroupOrOtherWrite = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    public static readonly IReadOnlyList<string> HookDirectories = ["/etc/kdump/pre.d", "/etc/kdump/post.d", "/etc/kdump/emergency.d"];

    public IReadOnlyList<AuditFinding> Check(KdumpConfig config)
    {
        var findings = new List<AuditFinding>();
        foreach (var (directive, program) in Programs(config))
        {
            CheckProgram(config.Where(directive), program, findings);
        }

        if (config.Target.Kind == DumpTargetKind.Ssh)
        {
            CheckSshKey(config, findings);
            CheckKnownHosts(config, findings);
        }

        if (config.Target.Kind == DumpTargetKind.RootFileSystem)
        {
            CheckRootPath(config, findings);
        }

        S3ConfigAudit.Check(root, config, findings);

        return findings;
    }

    /// <summary>Every program the capture runs or carries, with the directive (or hook directory) it comes from.</summary>
    private IEnumerable<(string Directive, string Program)> Programs(KdumpConfig config)
    {
        foreach (var (directive, program) in new[] { ("kdump_pre", config.KdumpPre), ("kdump_post", config.KdumpPost), ("kdump_emergency", config.KdumpEmergency) })
        {
            if (program is not null)
            {
                yield return (directive, program);
            }
        }

        foreach (var bin in config.ExtraBins)
        {
            yield return ("extra_bins", bin);
        }

        foreach (var directory in HookDirectories)
        {
            var real = root.Resolve(directory);
            if (Directory.Exists(real))
            {
                foreach (var file in Directory.GetFiles(real).Order(StringComparer.Ordinal))
                {
                    yield return (directory, $"{directory}/{Path.GetFileName(file)}");
                }
            }
        }
    }

    private void CheckProgram(string where, string program, List<AuditFinding> findings)
    {
        var status = UnixFileStatus.Stat(root.Resolve(program));
        if (status is null)
        {
            findings.Add(new(true, $"{where}: {program} does not exist"));
        }
        else if (status.Kind != UnixFileKind.Regular)
        {
            findings.Add(new(true, $"{where}: {program} is {status.KindName}, not a program"));
        }
        else if ((status.Mode & AnyExecute) == 0)
        {
            findings.Add(new(true, $"{where}: {program} is not executable (mode {Octal(status.Mode)})"));
        }
        else
        {
            if ((status.Mode & GroupOrOtherWrite) != 0)
            {
                findings.Add(new(false, $"{where}: {program} is writable by {Who(status.Mode & GroupOrOtherWrite)} (mode {Octal(status.Mode)}): whoever can change it runs code as root in the capture kernel; chmod go-w {program}"));
            }

            if (status.OwnerId != 0)
            {
                findings.Add(new(false, $"{where}: {program} belongs to uid {status.OwnerId}, not root: that user can change what runs as root in the capture kernel; chown root {program}"));
            }
        }
    }

    private void CheckSshKey(KdumpConfig config, List<AuditFinding> findings)
    {
        var key = config.SshKey;
        var status = UnixFileStatus.Stat(root.Resolve(key));
        if (status is null)
        {
            findings.Add(new(true, $"{config.Where("sshkey")}: ssh key {key} does not exist: create it (ssh-keygen -f {key}) and copy its public half to {config.Target.Value}"));
        }
        else if (status.Kind != UnixFileKind.Regular)
        {
            findings.Add(new(true, $"{config.Where("sshkey")}: ssh key {key} is {status.KindName}, not a key file"));
        }
        else if ((status.Mode & NotOwner) != 0)
        {
            findings.Add(new(false, $"{config.Where("sshkey")}: ssh key {key} is open to {Who(status.Mode & NotOwner)} (mode {Octal(status.Mode)}): ssh refuses a private key others can read, and it is a secret; chmod 600 {key}"));
        }
    }

    private void CheckKnownHosts(KdumpConfig config, List<AuditFinding> findings)
    {
        var file = root.Resolve(InitramfsPlanner.KnownHostsFile);
        var where = config.Where("ssh");
        var host = config.Target.Value[(config.Target.Value.IndexOf('@') + 1)..];
        string? text;
        try
        {
            text = KnownHosts.TryRead(file);
        }
        catch (IOException e)
        {
            findings.Add(new(true, $"{where}: {e.Message}"));
            return;
        }

        if (text is null)
        {
            findings.Add(new(false, $"{where}: {InitramfsPlanner.KnownHostsFile} does not exist: the capture checks {host}'s host key strictly and will refuse it; connect once as root (ssh -i {config.SshKey} {config.Target.Value}) to record it"));
            return;
        }

        string? sshConfig = null;
        try
        {
            sshConfig = KnownHosts.TryRead(root.Resolve(InitramfsPlanner.SshConfigFile));
        }
        catch (IOException)
        {
            // no port from it: 22 is assumed
        }

        var name = KnownHosts.LookupName(host, KnownHosts.Port(sshConfig, host));
        var known = KnownHosts.Knows(text, name) ?? (keyLookup is null ? null : KnownHosts.AskSshKeygen(keyLookup, file, name));
        if (known == false)
        {
            findings.Add(new(false, $"{where}: {InitramfsPlanner.KnownHostsFile} has no key for {name}: the capture checks the host key strictly and will refuse the server; connect once as root (ssh -i {config.SshKey} {config.Target.Value}) to record it"));
        }
        else if (known is null)
        {
            findings.Add(new(false, $"{where}: {InitramfsPlanner.KnownHostsFile} has only hashed names and ssh-keygen could not be run to look for {name}"));
        }
    }

    /// <summary>A dump to the root file system: each existing directory of 'path' must be a real directory (the capture refuses links).</summary>
    private void CheckRootPath(KdumpConfig config, List<AuditFinding> findings)
    {
        var current = "";
        foreach (var part in config.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."))
        {
            current += "/" + part;
            var status = UnixFileStatus.Lstat(root.Resolve(current));
            if (status is null)
            {
                return; // the capture creates the rest
            }

            if (status.Kind == UnixFileKind.Symlink)
            {
                findings.Add(new(true, $"{config.Where("path")}: {current} is a symbolic link: the capture writes a dump only through real directories of the target and will refuse this path; give the directory it points to"));
                return;
            }

            if (status.Kind != UnixFileKind.Directory)
            {
                findings.Add(new(true, $"{config.Where("path")}: {current} is {status.KindName}, not a directory"));
                return;
            }
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    private static string Who(UnixFileMode mode) =>
        (mode & (UnixFileMode)0x38, mode & (UnixFileMode)0x7) switch
        {
            (not 0, not 0) => "group and others",
            (not 0, 0) => "its group",
            _ => "others",
        };
}
