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
            config.Target.Value, RemoteScript(config.Path),
        ]);
        return argv;
    }

    /// <summary>Runs the test; throws an <see cref="NkdumpException"/> saying what ssh said when it fails.</summary>
    public static void Run(HostRoot root, KdumpConfig config, CommandRunner runner, TextWriter log, long neededBytes = 0)
    {
        var argv = Command(root, config);
        var (status, said) = CommandOutcome.Run(runner, argv, $"cannot run {argv[0]} to test the ssh target {config.Target.Value}");
        if (status is NotCreatable or NotWritable)
        {
            throw new NkdumpException(
                $"the ssh target {config.Target.Value} accepts the capture's connection, but {config.Path} "
                + (status == NotCreatable ? "cannot be created there" : "is not writable there")
                + $" ({LastLine(said)}); a dump after a crash would fail the same way");
        }

        if (status != 0)
        {
            throw new NkdumpException(
                $"the ssh target {config.Target.Value} refused the capture's connection (ssh exit status {status}{(said.Length > 0 ? ": " + said : "")}); "
                + $"a dump after a crash would fail the same way. Check that {config.SshKey}.pub is in the server's authorized_keys, "
                + $"that {InitramfsPlanner.KnownHostsFile} has the server's host key, and that {config.Path} can be created there");
        }

        var free = AvailableBytes(said);
        log.WriteLine($"ssh target {config.Target.Value} accepts the capture's connection; {config.Path} exists there and is writable"
            + (free is { } bytes ? $", {bytes >> 20} MiB free" : ""));
        if (free is { } available && available < neededBytes)
        {
            log.WriteLine($"warning: {config.Target.Value}:{config.Path} has {available >> 20} MiB free, less than the {neededBytes >> 20} MiB of memory in use "
                + "here; a filtered dump is usually much smaller, but this one may not fit");
        }
    }

    /// <summary>
    /// Creates the path, checks that the login may write there, and prints df's line for it (POSIX
    /// df -P -k: "filesystem 1024-blocks used available capacity mounted-on"). Exit 3 and 4 tell
    /// "cannot create" and "not writable" apart from ssh's own 255.
    /// </summary>
    private static string RemoteScript(string path)
    {
        var quoted = "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        return $"mkdir -p {quoted} || exit {NotCreatable}; test -w {quoted} || {{ echo \"$(id -un) cannot write there\"; exit {NotWritable}; }}; "
            + $"df -P -k {quoted} | tail -n 1";
    }

    private const int NotCreatable = 3;
    private const int NotWritable = 4;

    /// <summary>The available bytes from df -P -k's last line, or null when the output is not that.</summary>
    internal static long? AvailableBytes(string output)
    {
        var fields = LastLine(output).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 6 && long.TryParse(fields[3], out var kib) && kib is >= 0 and < long.MaxValue / 1024 ? kib * 1024 : null;
    }

    private static string LastLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "";
}
