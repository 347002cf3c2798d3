using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;
using Nkdump.Testing.Servers;

namespace Nkdump.Capture.Tests;

/// <summary>
/// ssh to a real OpenSSH server started on loopback for the test (Debian's openssh-server): key
/// authentication, the host key checked against the known_hosts file in the fake root, the port from
/// root's ~/.ssh/config there. Needs root (sshd) and /usr/sbin/sshd.
/// </summary>
public sealed class SaveToRealSshdTests : IDisposable
{
    private readonly CaptureTestRoot _t = new();
    private readonly LoopbackSshServer _server = new();
    private readonly TempDirectory _remote = new();

    public SaveToRealSshdTests()
    {
        var clientKey = _t["/root/.ssh/kdump_id_ed25519"];
        Directory.CreateDirectory(Path.GetDirectoryName(clientKey)!);
        LoopbackSshServer.Keygen(clientKey);
        _server.Authorize(clientKey);
        _t.Write("/root/.ssh/config", $"Host 127.0.0.1\n  Port {_server.Port}\n");
        _t.Write("/root/.ssh/known_hosts", _server.KnownHostsLine + "\n");
    }

    [Fact]
    public void DumpArrivesOverRealSsh()
    {
        _t.Config($"ssh root@127.0.0.1\npath {_remote.Path}/crash\nsshkey /root/.ssh/kdump_id_ed25519\ncore_collector makedumpfile -F -l --message-level 1 -d 31\n");

        Assert.True(_t.Save(sshProgram: "/usr/bin/ssh") == 0, _t.ToString());

        var directory = $"{_remote.Path}/crash/127.0.0.1-2026-11-26-09:05:07";
        Assert.Equal(["kexec-dmesg.log", "vmcore-dmesg.txt", "vmcore.flat"], Directory.GetFiles(directory).Select(Path.GetFileName).Order());
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, File.ReadAllText(Path.Combine(directory, "vmcore-dmesg.txt")));
        DumpAssert.OwnerOnlyMode(Path.Combine(directory, "vmcore.flat"));
        var reassembled = _remote.File("vmcore");
        var collect = ExternalTool.Run("sh", ["-c", $"makedumpfile -R '{reassembled}' < '{directory}/vmcore.flat'"]);
        Assert.True(collect.ExitCode == 0, collect.ToString());
        Assert.Equal(DumpFormat.KdumpCompressed, DumpOpener.Probe(reassembled));
        Assert.Equal(["reboot"], _t.Machine.Calls);
    }

    [Fact]
    public void AnUnknownHostKeyIsRefusedAndFailureActionTaken()
    {
        var otherKey = _server.ScratchFile("other_key");
        LoopbackSshServer.Keygen(otherKey);
        _t.Write("/root/.ssh/known_hosts", $"[127.0.0.1]:{_server.Port} {File.ReadAllText(otherKey + ".pub").Trim()}\n");
        _t.Config($"ssh root@127.0.0.1\npath {_remote.Path}/crash\nsshkey /root/.ssh/kdump_id_ed25519\ncore_collector makedumpfile -F -l --message-level 1 -d 31\nfailure_action halt\n");

        Assert.Equal(1, _t.Save(sshProgram: "/usr/bin/ssh"));

        Assert.Equal(["halt"], _t.Machine.Calls);
        Assert.False(Directory.Exists(Path.Combine(_remote.Path, "crash")));
    }

    public void Dispose()
    {
        _server.Dispose();
        _t.Dispose();
        _remote.Dispose();
    }
}
