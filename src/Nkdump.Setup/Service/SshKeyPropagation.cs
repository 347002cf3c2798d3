using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Service;

/// <summary>
/// kdumpctl's `propagate`: make an ssh target ready for the capture kernel in one step. It creates
/// the dump key when it is missing (ed25519: short, fast, accepted by every OpenSSH since 6.5),
/// installs its public half in the target's authorized_keys over one ordinary login (the
/// administrator's own agent, key or password), records the server's host key in the known_hosts
/// file the capture initramfs carries, and then connects the way the capture will (SshTargetTest),
/// so that "done" means a capture would get in. Every step says what it did.
/// </summary>
/// <remarks>
/// The host key is recorded with StrictHostKeyChecking=accept-new: trust on first use, as ssh-copy-id
/// does when the administrator answers "yes". A key already recorded for the server is never
/// replaced: a changed host key stops propagate with ssh's own warning. The fingerprint is printed
/// so that it can be compared with the server's.
/// </remarks>
public sealed class SshKeyPropagation(HostRoot root, KdumpConfig config, CommandRunner runner, TextWriter log)
{
    private const int ConnectTimeoutSeconds = 15;

    /// <summary>The administrator's key to log in with for the installation (ssh's own choice when null).</summary>
    public string? LoginKey { get; init; }

    public void Run()
    {
        if (config.Target.Kind != DumpTargetKind.Ssh)
        {
            var target = config.Target.Kind == DumpTargetKind.RootFileSystem ? "the root file system" : $"{config.Target.Directive} {config.Target.Value}";
            throw new NkdumpException($"propagate sets up ssh targets, but {config.File}'s dump target is {target}: there is nothing to propagate");
        }

        var key = root.Resolve(config.SshKey);
        EnsureKey(key);
        var publicKey = ReadPublicKey(key + ".pub");
        var knownHosts = root.Resolve(InitramfsPlanner.KnownHostsFile);
        var lookup = LookupName();
        var knewHost = File.Exists(knownHosts) && KnownHosts.AskSshKeygen(runner, knownHosts, lookup) == true;
        InstallPublicKey(publicKey, knownHosts);
        ReportHostKey(knownHosts, lookup, knewHost);
        SshTargetTest.Run(root, config, runner, log);
        log.WriteLine($"propagate: done; a capture to {config.Target.Value}:{config.Path} can log in with {config.SshKey}");
    }

    private void EnsureKey(string key)
    {
        if (File.Exists(key))
        {
            if (!File.Exists(key + ".pub"))
            {
                throw new NkdumpException($"the dump key {config.SshKey} exists but {config.SshKey}.pub does not: recreate it with ssh-keygen -y -f {config.SshKey} > {config.SshKey}.pub");
            }

            var mode = File.GetUnixFileMode(key);
            if ((mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                log.WriteLine($"propagate: the dump key {config.SshKey} was readable by others; its mode is now 0600");
            }

            log.WriteLine($"propagate: using the existing dump key {config.SshKey}");
            return;
        }

        var directory = Path.GetDirectoryName(key)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var comment = $"nkdump@{HostName()}";
        Execute("create the dump key", ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key]);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        log.WriteLine($"propagate: created the dump key {config.SshKey} (ed25519, no passphrase: the capture kernel has no one to type it; mode 0600)");
    }

    private string ReadPublicKey(string file)
    {
        var text = File.ReadAllText(file).Trim();
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (text.Contains('\n', StringComparison.Ordinal) || fields.Length < 2 || !fields[0].StartsWith("ssh-", StringComparison.Ordinal) && !fields[0].StartsWith("ecdsa-", StringComparison.Ordinal)
            || fields.Any(f => f.Contains('\'', StringComparison.Ordinal)))
        {
            throw new NkdumpException($"{config.SshKey}.pub is not one OpenSSH public key line");
        }

        return text;
    }

    /// <summary>One login that appends the key to ~/.ssh/authorized_keys unless it is there, as ssh-copy-id does.</summary>
    private void InstallPublicKey(string publicKey, string knownHosts)
    {
        var keyMaterial = publicKey.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var script = "umask 077; mkdir -p ~/.ssh && touch ~/.ssh/authorized_keys && "
            + $"if grep -qF '{keyMaterial}' ~/.ssh/authorized_keys; then echo nkdump-key-present; "
            + $"else printf '%s\\n' '{publicKey}' >> ~/.ssh/authorized_keys && echo nkdump-key-added; fi";
        var argv = SshBase(knownHosts);
        if (LoginKey is not null)
        {
            argv.AddRange(["-i", LoginKey, "-o", "IdentitiesOnly=yes"]);
        }

        argv.AddRange([config.Target.Value, script]);
        var output = Execute($"log in to {config.Target.Value} to install the public key", argv);
        var where = $"{config.Target.Value}:~/.ssh/authorized_keys";
        log.WriteLine(output.Contains("nkdump-key-present", StringComparison.Ordinal)
            ? $"propagate: {config.SshKey}.pub was already in {where}"
            : $"propagate: added {config.SshKey}.pub to {where}");
    }

    private List<string> SshBase(string knownHosts)
    {
        var argv = new List<string> { "ssh" };
        if (root.FirstExisting(InitramfsPlanner.SshConfigFile) is { } sshConfig)
        {
            argv.AddRange(["-F", root.Resolve(sshConfig)]);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(knownHosts)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        argv.AddRange([
            "-o", "StrictHostKeyChecking=accept-new", "-o", $"UserKnownHostsFile={knownHosts}",
            "-o", $"ConnectTimeout={ConnectTimeoutSeconds}",
        ]);
        return argv;
    }

    private void ReportHostKey(string knownHosts, string lookup, bool knewHost)
    {
        if (knewHost)
        {
            log.WriteLine($"propagate: {InitramfsPlanner.KnownHostsFile} already had {lookup}'s host key");
            return;
        }

        var output = new StringWriter();
        var fingerprint = runner(["ssh-keygen", "-l", "-F", lookup, "-f", knownHosts], output) == 0
            ? output.ToString().Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'))
            : null;
        log.WriteLine($"propagate: recorded {lookup}'s host key in {InitramfsPlanner.KnownHostsFile} (trusted on first use{(fingerprint is null ? "" : $": {fingerprint}")}); compare it with the server's (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub there)");
    }

    /// <summary>The name ssh looks the server up by in known_hosts: the host, with the port from root's ssh configuration.</summary>
    private string LookupName()
    {
        var host = config.Target.Value[(config.Target.Value.IndexOf('@') + 1)..];
        var sshConfig = root.TryReadText(InitramfsPlanner.SshConfigFile);
        return KnownHosts.LookupName(host, KnownHosts.Port(sshConfig, host));
    }

    private string Execute(string what, IReadOnlyList<string> argv)
    {
        var outcome = CommandOutcome.Run(runner, argv, $"propagate: cannot run {argv[0]} to {what}");
        return outcome.Status == 0 ? outcome.Output : throw new NkdumpException($"propagate: could not {what} ({outcome.Describe(argv[0])})");
    }

    private string HostName()
    {
        var name = root.TryReadText("/etc/hostname")?.Trim();
        return string.IsNullOrEmpty(name) ? Environment.MachineName : name;
    }
}
