using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;
using Nkdump.Testing.Servers;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Issue 20, item 2: `propagate` against a real sshd on loopback. The fake root starts with no dump key
/// and no known_hosts; the administrator's own key (authorized on the server) is used once to install
/// the dump key. Afterwards `save` reaches the server with no other setup: the key, the recorded host
/// key and the capture's strict options are all it uses.
/// </summary>
public sealed class PropagateCommandTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private readonly TempDirectory _root = new();
    private readonly TempDirectory _remote = new();
    private readonly LoopbackSshServer _server = new();
    private readonly string _adminKey;

    public PropagateCommandTests()
    {
        _adminKey = _server.ScratchFile("admin_key");
        LoopbackSshServer.Keygen(_adminKey);
        _server.Authorize(_adminKey);
        Write("root/.ssh/config", $"Host 127.0.0.1\n  Port {_server.Port}\n");
        Directory.CreateDirectory(_root.File("usr/bin"));
        File.CreateSymbolicLink(_root.File("usr/bin/ssh"), "/usr/bin/ssh");
        Write("etc/kdump.conf", $"ssh root@127.0.0.1\npath {_remote.Path}/crash\nsshkey /root/.ssh/kdump_id_ed25519\ncore_collector makedumpfile -F -l --message-level 1 -d 31\n");
    }

    [Fact]
    public void PropagateMakesTheKeyInstallsItAndACaptureThenGetsIn()
    {
        var (code, output, error) = CliRunner.Run("propagate", "--root", _root.Path, "--login-key", _adminKey);

        Assert.True(code == 0, output + error);
        var key = _root.File("root/.ssh/kdump_id_ed25519");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.StartsWith("ssh-ed25519 ", File.ReadAllText(key + ".pub"));
        Assert.Contains(File.ReadAllText(key + ".pub").Split(' ')[1], File.ReadAllText(_server.Home + "/.ssh/authorized_keys"));
        Assert.Contains(File.ReadAllText(_server.HostKey + ".pub").Split(' ')[1], File.ReadAllText(_root.File("root/.ssh/known_hosts")));
        Assert.Contains("propagate: created the dump key /root/.ssh/kdump_id_ed25519", output);
        Assert.Contains("propagate: added /root/.ssh/kdump_id_ed25519.pub to root@127.0.0.1:~/.ssh/authorized_keys", output);
        Assert.Contains($"propagate: recorded [127.0.0.1]:{_server.Port}'s host key in /root/.ssh/known_hosts (trusted on first use: ", output);
        Assert.Contains("ssh target root@127.0.0.1 accepts the capture's connection", output);
        Assert.True(Directory.Exists($"{_remote.Path}/crash"));

        var save = CliRunner.Run("save", "--root", _root.Path, "--vmcore", Fixtures.ElfVmcore(Fixture));
        Assert.True(save.ExitCode == 0, save.Error);
        var directory = Assert.Single(Directory.GetDirectories($"{_remote.Path}/crash"));
        var flat = Path.Combine(directory, "vmcore.flat");
        Assert.Equal(DumpFormat.Flattened, DumpOpener.Probe(flat));

        var again = CliRunner.Run("propagate", "--root", _root.Path, "--login-key", _adminKey);
        Assert.True(again.ExitCode == 0, again.Out + again.Error);
        Assert.Contains("propagate: using the existing dump key", again.Out);
        Assert.Contains("was already in root@127.0.0.1:~/.ssh/authorized_keys", again.Out);
        Assert.Contains("already had", again.Out);
        Assert.Single(File.ReadAllLines(_server.Home + "/.ssh/authorized_keys"), l => l.Contains(File.ReadAllText(key + ".pub").Split(' ')[1], StringComparison.Ordinal));
    }

    [Fact]
    public void AChangedHostKeyStopsPropagateWithoutReplacingTheRecordedOne()
    {
        var otherKey = _server.ScratchFile("other_host_key");
        LoopbackSshServer.Keygen(otherKey);
        var recorded = $"[127.0.0.1]:{_server.Port} {File.ReadAllText(otherKey + ".pub").Trim()}\n";
        Write("root/.ssh/known_hosts", recorded);

        var (code, output, error) = CliRunner.Run("propagate", "--root", _root.Path, "--login-key", _adminKey);

        Assert.Equal(1, code);
        Assert.Contains("could not log in to root@127.0.0.1 to install the public key", error);
        Assert.Equal(recorded, File.ReadAllText(_root.File("root/.ssh/known_hosts")));
        Assert.False(File.Exists(_server.Home + "/.ssh/authorized_keys"));
        Assert.Contains("created the dump key", output);
    }

    [Fact]
    public void ALocalTargetHasNothingToPropagate()
    {
        Write("etc/kdump.conf", "path /var/crash\n");

        var (code, _, error) = CliRunner.Run("propagate", "--root", _root.Path);

        Assert.Equal(1, code);
        Assert.Contains("propagate sets up ssh targets", error);
        Assert.False(File.Exists(_root.File("root/.ssh/kdump_id_ed25519")));
    }

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
