using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Boot;

namespace Nkdump.Setup.Service;

/// <summary>
/// `start`'s test of an NFS target (issue 20, item 3), as kdumpctl mounts it before it loads: mount the
/// export on a private scratch directory with the system's mount(8) (soft, short timeouts: a dead
/// server fails the test in seconds instead of hanging start), create the dump path, write and remove
/// a probe file, unmount. A failure is one the capture kernel would meet after a crash.
/// </summary>
internal static class NfsTargetTest
{
    private const string ProbeName = ".nkdump-write-test";

    public static void Run(HostRoot root, KdumpConfig config, CommandRunner runner, TextWriter log)
    {
        if (root.FirstExisting("/sbin/mount.nfs", "/usr/sbin/mount.nfs") is null)
        {
            log.WriteLine($"warning: cannot test the NFS target {config.Target.Value}: this machine has no mount.nfs (install nfs-common); the capture kernel mounts it with its own NFS client");
            return;
        }

        var scratch = root.Resolve(KdumpService.RuntimeDirectory);
        Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var mountPoint = Path.Combine(scratch, $"nfs-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mountPoint, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            Execute(runner, ["mount", "-t", "nfs", "-o", "soft,timeo=50,retrans=1", config.Target.Value, mountPoint],
                $"the NFS target {config.Target.Value} (line {config.Target.Line}) cannot be mounted from this machine");
            try
            {
                var directory = Path.Combine(mountPoint, config.Path.TrimStart('/'));
                try
                {
                    Directory.CreateDirectory(directory);
                    var probe = Path.Combine(directory, ProbeName);
                    File.WriteAllBytes(probe, [0]);
                    File.Delete(probe);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new NkdumpException($"the NFS target {config.Target.Value} mounts, but {config.Path} cannot be created or written there: {e.Message}; a dump after a crash would fail the same way", e);
                }

                log.WriteLine($"NFS target {config.Target.Value} mounts from this machine; {config.Path} exists there and is writable");
            }
            finally
            {
                Execute(runner, ["umount", mountPoint], $"cannot unmount the test mount of {config.Target.Value} on {mountPoint}");
            }
        }
        finally
        {
            TryRemove(mountPoint);
        }
    }

    private static void Execute(CommandRunner runner, IReadOnlyList<string> argv, string failure)
    {
        var outcome = CommandOutcome.Run(runner, argv, $"{failure}: cannot run {argv[0]}");
        if (outcome.Status != 0)
        {
            throw new NkdumpException($"{failure} ({outcome.Describe(argv[0])}); a dump after a crash would fail the same way");
        }
    }

    private static void TryRemove(string mountPoint)
    {
        try
        {
            Directory.Delete(mountPoint); // empty once unmounted; never recursive: it may still be the server's export
        }
        catch (IOException)
        {
        }
    }
}
