using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Nkdump.Testing.Builders;
using Xunit;

namespace Nkdump.Testing.Servers;

/// <summary>
/// A real OpenSSH server (Debian's openssh-server, /usr/sbin/sshd) on 127.0.0.1 and a free port,
/// for one test: its own host key and authorized_keys in a scratch directory, key authentication
/// only, stopped on dispose. Needs root (sshd's privilege separation).
/// </summary>
internal sealed class LoopbackSshServer : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Process _sshd;

    public LoopbackSshServer()
    {
        Assert.True(File.Exists("/usr/sbin/sshd"), "the ssh tests need Debian's openssh-server (/usr/sbin/sshd)");
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory
        Keygen(HostKey);
        File.WriteAllText(AuthorizedKeys, "");
        Directory.CreateDirectory(Home);
        Port = FreePort();
        File.WriteAllText(_dir.File("sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {HostKey}
            AuthorizedKeysFile {AuthorizedKeys} {Home}/.ssh/authorized_keys
            SetEnv HOME={Home}
            PidFile {_dir.File("sshd.pid")}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            """);
        _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", _dir.File("sshd_config")])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        _sshd.ErrorDataReceived += (_, _) => { };
        _sshd.BeginErrorReadLine();
        WaitForListener();
    }

    public int Port { get; }

    /// <summary>The server's private host key; its public half is HostKey + ".pub".</summary>
    public string HostKey => _dir.File("host_key");

    /// <summary>The one authorized_keys file of every user on this server.</summary>
    public string AuthorizedKeys => _dir.File("authorized_keys");

    /// <summary>
    /// The home directory of every session (HOME is set to it, so ~ never reaches the real /root); keys
    /// appended to its .ssh/authorized_keys log in too, as on a real server.
    /// </summary>
    public string Home => _dir.File("home");

    /// <summary>A known_hosts line for this server ([127.0.0.1]:PORT KEY).</summary>
    public string KnownHostsLine => $"[127.0.0.1]:{Port} {File.ReadAllText(HostKey + ".pub").Trim()}";

    /// <summary>A file in the server's scratch directory (for other keys the test makes).</summary>
    public string ScratchFile(string name) => _dir.File(name);

    /// <summary>Lets the public half of <paramref name="privateKey"/> log in.</summary>
    public void Authorize(string privateKey) => File.AppendAllText(AuthorizedKeys, File.ReadAllText(privateKey + ".pub"));

    /// <summary>A new ed25519 key pair without a passphrase (ssh-keygen).</summary>
    public static void Keygen(string file)
    {
        var keygen = ExternalTool.Run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
        Assert.True(keygen.ExitCode == 0, keygen.ToString());
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
        _dir.Dispose();
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
                client.Connect(IPAddress.Loopback, Port);
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
