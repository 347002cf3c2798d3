using System.Text.Json;
using Nkdump.Capture;
using Nkdump.Capture.Store;
using Nkdump.Testing;
using Nkdump.Testing.Builders;
using Nkdump.Testing.Servers;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Issue 21, item 3 for ssh targets, against a real sshd on loopback (its HOME a scratch directory):
/// `save` writes nkdump-triage.json beside the flattened dump on the server; the next boot's `report`
/// fetches the small files of this machine's new dumps over the capture's connection (never the
/// dump), logs them with triage's signature, runs the hook, completes `nkdump test`'s record, and
/// leaves another machine's dump on the same server alone; `list` and `show` read the server too.
/// </summary>
public sealed class RemoteDumpReportTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private const string OtherId = "10.9.9.9-2026-11-20-08:00:00";
    private readonly TempDirectory _root = new();
    private readonly TempDirectory _remote = new();
    private readonly LoopbackSshServer _server = new();

    public RemoteDumpReportTests()
    {
        var key = _root.File("root/.ssh/kdump_id_ed25519");
        Directory.CreateDirectory(Path.GetDirectoryName(key)!);
        LoopbackSshServer.Keygen(key);
        _server.Authorize(key);
        Write("root/.ssh/config", $"Host 127.0.0.1\n  Port {_server.Port}\n");
        Write("root/.ssh/known_hosts", _server.KnownHostsLine + "\n");
        Directory.CreateDirectory(_root.File("usr/bin"));
        File.CreateSymbolicLink(_root.File("usr/bin/ssh"), "/usr/bin/ssh");
        Write("etc/kdump.conf", $"ssh root@127.0.0.1\npath {Crash}\nsshkey /root/.ssh/kdump_id_ed25519\ncore_collector makedumpfile -F -l --message-level 1 -d 31\nreport_hook /hook\n");
        Write("hook", "#!/bin/sh\ncat > \"$(dirname \"$0\")/hook-input\"; echo \"$NKDUMP_SIGNATURE $NKDUMP_DUMP\" >> \"$(dirname \"$0\")/hook-env\"\n");
        File.SetUnixFileMode(_root.File("hook"), (UnixFileMode)0x1ED);
        Write("proc/sys/kernel/random/boot_id", "boot-of-the-test\n");

        // Another machine's dump on the same server: listed, never reported here.
        var other = Directory.CreateDirectory(Path.Combine(Crash, OtherId)).FullName;
        File.WriteAllText(Path.Combine(other, "vmcore.flat"), "flattened bytes of another machine\n");
        File.WriteAllText(Path.Combine(other, DumpSmallFiles.Triage), """{"signature":"0123456789abcdef","panic_reason":"another machine's panic","release":"6.1.0-1-amd64","taint_flags":[],"call_trace":[],"frames":[],"modules":[],"crash_time":"2026-11-20 08:00:00Z","missing":[]}""");
    }

    private string Crash => Path.Combine(_remote.Path, "crash");

    [Fact]
    public void TheNextBootReportsTheDumpOnTheServerFromItsSmallFilesAndCompletesTheTest()
    {
        // Before the fixture's own crash time (the capture saves a crash of 2026-11-26).
        TestRecords.Start(new CaptureRoot(_root.Path), new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var save = CliRunner.Run("save", "--root", _root.Path, "--vmcore", Fixtures.ElfVmcore(Fixture));
        Assert.True(save.ExitCode == 0, save.Error);
        var directory = Assert.Single(Directory.GetDirectories(Crash), d => d != Path.Combine(Crash, OtherId));
        var id = Path.GetFileName(directory);
        Assert.StartsWith("127.0.0.1-", id, StringComparison.Ordinal);
        var signature = JsonDocument.Parse(CliRunner.Run("triage", "--json", Fixtures.ElfVmcore(Fixture)).Out).RootElement.GetProperty("signature").GetString()!;
        Assert.Equal(signature, JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, DumpSmallFiles.Triage))).RootElement.GetProperty("signature").GetString());
        OwnerOnly(Path.Combine(directory, DumpSmallFiles.Triage));

        Write("proc/sys/kernel/random/boot_id", "the-next-boot\n");
        var (code, output, error) = CliRunner.Run("report", "--root", _root.Path);

        Assert.True(code == 0, output + error);
        var location = $"root@127.0.0.1:{directory}";
        var line = Assert.Single(output.Split('\n'), l => l.StartsWith("<4>nkdump: kernel crash", StringComparison.Ordinal));
        Assert.Contains($"\"sysrq triggered crash\", signature {signature}, release 6.1.0-56-amd64, saved in {location}", line, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherId, output, StringComparison.Ordinal);
        Assert.Equal($"{signature} {location}\n", File.ReadAllText(_root.File("hook-env")));
        Assert.Equal(signature, JsonDocument.Parse(File.ReadAllText(_root.File("hook-input"))).RootElement.GetProperty("signature").GetString());
        Assert.Contains($"<6>nkdump: last test: ", output, StringComparison.Ordinal);
        Assert.Contains($": success, dump {location}", output, StringComparison.Ordinal);

        // The small files were fetched (0600), the dump was not.
        var cache = _root.File($"var/lib/nkdump/remote/{id}");
        Assert.Equal([DumpSmallFiles.Triage, "vmcore-dmesg.txt"], Directory.GetFiles(cache).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")), File.ReadAllText(Path.Combine(cache, "vmcore-dmesg.txt")));
        OwnerOnly(Path.Combine(cache, DumpSmallFiles.Triage));

        var again = CliRunner.Run("report", "--root", _root.Path);
        Assert.True(again.ExitCode == 0, again.Out + again.Error);
        Assert.Contains($"<6>nkdump: no new crash dump in root@127.0.0.1:{Crash} (2 saved before)", again.Out, StringComparison.Ordinal);
        Assert.Contains($"last test: ", CliRunner.Run("status", "--root", _root.Path).Out, StringComparison.Ordinal);

        var list = CliRunner.Run("list", "--root", _root.Path, "--json");
        Assert.True(list.ExitCode == 0, list.Error);
        var dumps = JsonDocument.Parse(list.Out).RootElement.GetProperty("dumps").EnumerateArray().ToList();
        Assert.Equal([id, OtherId], dumps.Select(d => d.GetProperty("id").GetString()));
        Assert.Equal(signature, dumps[0].GetProperty("signature").GetString());
        Assert.Equal("complete", dumps[0].GetProperty("state").GetString());
        Assert.Equal(location, dumps[0].GetProperty("path").GetString());
        Assert.Equal("0123456789abcdef", dumps[1].GetProperty("signature").GetString());

        var show = CliRunner.Run("show", "--root", _root.Path, "127.0.0.1-");
        Assert.True(show.ExitCode == 0, show.Out + show.Error);
        Assert.Contains($"path:      {location}", show.Out, StringComparison.Ordinal);
        Assert.Contains($"signature: {signature}", show.Out.Replace("signature:  ", "signature: ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("vmcore.flat", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void AServerThatCannotBeReachedFailsThePendingTestWithTheReason()
    {
        Write("root/.ssh/known_hosts", "[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn4Hq5xX1fS3sE4gwX0tJg1y3cC7A0yD1m9qzQyH8nM\n");
        TestRecords.Start(new CaptureRoot(_root.Path), DateTimeOffset.UtcNow);
        Write("proc/sys/kernel/random/boot_id", "the-next-boot\n");

        var (code, output, _) = CliRunner.Run("report", "--root", _root.Path);

        Assert.Equal(1, code);
        Assert.Contains("<3>nkdump: cannot list the dumps: cannot list the dumps on root@127.0.0.1:", output, StringComparison.Ordinal);
        Assert.Contains("<3>nkdump: last test: ", output, StringComparison.Ordinal);
        Assert.Contains(": failed: cannot list the dumps", output, StringComparison.Ordinal);
    }

    private static void OwnerOnly(string path) => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

    public void Dispose()
    {
        _server.Dispose();
        _root.Dispose();
        _remote.Dispose();
    }

    private void Write(string relative, string text)
    {
        var path = _root.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
