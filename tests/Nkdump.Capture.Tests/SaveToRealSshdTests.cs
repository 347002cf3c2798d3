using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Capture.Tests;

/// <summary>
/// ssh to a real OpenSSH server started on loopback for the test (Debian's openssh-server): key
/// authentication, the host key checked against the known_hosts file in the fake root, the port from
/// root's ~/.ssh/config there. Needs root (sshd) and /usr/sbin/sshd.
/// </summary>
public sealed class SaveToRealSshdTests : IDisposable
{
    private readonly CaptureTestRoot _t = new();
    private readonly TempDirectory _server = new();
    private readonly TempDirectory _remote = new();
    private readonly Process _sshd;
    private readonly int _port;

    public SaveToRealSshdTests()
    {
        Assert.True(File.Exists("/usr/sbin/sshd"), "the ssh tests need Debian's openssh-server (/usr/sbin/sshd)");
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory
        Keygen(_server.File("host_key"));
        var clientKey = _t["/root/.ssh/kdump_id_ed25519"];
        Directory.CreateDirectory(Path.GetDirectoryName(clientKey)!);
        Keygen(clientKey);
        File.Copy(clientKey + ".pub", _server.File("authorized_keys"));

        _port = FreePort();
        File.WriteAllText(_server.File("sshd_config"), $"""
            Port {_port}
            ListenAddress 127.0.0.1
            HostKey {_server.File("host_key")}
            AuthorizedKeysFile {_server.File("authorized_keys")}
            PidFile {_server.File("sshd.pid")}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            """);
        _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", _server.File("sshd_config")])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        _sshd.ErrorDataReceived += (_, _) => { };
        _sshd.BeginErrorReadLine();
        WaitForListener();

        _t.Write("/root/.ssh/config", $"Host 127.0.0.1\n  Port {_port}\n");
        var hostKey = File.ReadAllText(_server.File("host_key.pub")).Trim();
        _t.Write("/root/.ssh/known_hosts", $"[127.0.0.1]:{_port} {hostKey}\n");
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
        Keygen(_server.File("other_key"));
        _t.Write("/root/.ssh/known_hosts", $"[127.0.0.1]:{_port} {File.ReadAllText(_server.File("other_key.pub")).Trim()}\n");
        _t.Config($"ssh root@127.0.0.1\npath {_remote.Path}/crash\nsshkey /root/.ssh/kdump_id_ed25519\ncore_collector makedumpfile -F -l --message-level 1 -d 31\nfailure_action halt\n");

        Assert.Equal(1, _t.Save(sshProgram: "/usr/bin/ssh"));

        Assert.Equal(["halt"], _t.Machine.Calls);
        Assert.False(Directory.Exists(Path.Combine(_remote.Path, "crash")));
    }

    public void Dispose()
    {
        try
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _sshd.Dispose();
        _t.Dispose();
        _server.Dispose();
        _remote.Dispose();
    }

    private static void Keygen(string file)
    {
        var keygen = ExternalTool.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
        Assert.True(keygen.ExitCode == 0, keygen.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitForListener()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            Assert.False(_sshd.HasExited, "sshd exited at start");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, _port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        Assert.Fail("sshd did not listen within 10 s");
    }
}
