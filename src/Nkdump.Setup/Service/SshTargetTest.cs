using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Boot;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Service;

/// <summary>
/// `start`'s test of an ssh target, as kdumpctl does before it loads anything: connect the way the
/// capture will (the key, BatchMode, root's known_hosts with StrictHostKeyChecking=yes, root's ssh
/// configuration when there is one; Nkdump.Capture's SshDump uses the same options) and create the
/// dump path with mkdir -p. A failure here is a failure the capture would have after a crash.
/// </summary>
internal static class SshTargetTest
{
    private const int ConnectTimeoutSeconds = 15;

    /// <summary>The ssh command line, with paths inside <paramref name="root"/>.</summary>
    public static IReadOnlyList<string> Command(HostRoot root, KdumpConfig config)
    {
        var ssh = root.FirstExisting("/usr/bin/ssh", "/bin/ssh")
            ?? throw new NkdumpException($"ssh target {config.Target.Value}, but there is no ssh client (/usr/bin/ssh) under {root}: install openssh-client");
        var argv = new List<string> { root.Resolve(ssh) };
        if (root.FirstExisting(InitramfsPlanner.SshConfigFile) is { } sshConfig)
        {
            argv.AddRange(["-F", root.Resolve(sshConfig)]);
        }

        argv.AddRange([
            "-i", root.Resolve(config.SshKey), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
            "-o", $"UserKnownHostsFile={root.Resolve(InitramfsPlanner.KnownHostsFile)}", "-o", $"ConnectTimeout={ConnectTimeoutSeconds}",
            config.Target.Value, $"mkdir -p '{config.Path.Replace("'", "'\\''", StringComparison.Ordinal)}'",
        ]);
        return argv;
    }

    /// <summary>Runs the test; throws an <see cref="NkdumpException"/> saying what ssh said when it fails.</summary>
    public static void Run(HostRoot root, KdumpConfig config, CommandRunner runner, TextWriter log)
    {
        var argv = Command(root, config);
        var output = new StringWriter();
        int status;
        try
        {
            status = runner(argv, output);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            throw new NkdumpException($"cannot run {argv[0]} to test the ssh target {config.Target.Value}: {e.Message}", e);
        }

        if (status != 0)
        {
            var said = output.ToString().Trim();
            throw new NkdumpException(
                $"the ssh target {config.Target.Value} refused the capture's connection (ssh exit status {status}{(said.Length > 0 ? ": " + said : "")}); "
                + $"a dump after a crash would fail the same way. Check that {config.SshKey}.pub is in the server's authorized_keys, "
                + $"that {InitramfsPlanner.KnownHostsFile} has the server's host key, and that {config.Path} can be created there");
        }

        log.WriteLine($"ssh target {config.Target.Value} accepts the capture's connection; {config.Path} exists there");
    }
}
