using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Kexec;
using Nkdump.Setup.Service;
using Nkdump.Testing;

namespace Nkdump.Setup.Tests;

/// <summary>
/// Issue 17, finding 7: known_hosts is searched as ssh does (patterns, ports, hashed names through
/// ssh-keygen), and `start` tests an ssh target as kdumpctl does: ssh with the capture's options runs
/// mkdir -p PATH, and a refusal stops start with what ssh said.
/// </summary>
public class SshTargetChecksTests
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    [Theory]
    [InlineData("backup ", "backup", true)]
    [InlineData("other,backup ", "backup", true)]
    [InlineData("*.example ", "backup.example", true)]
    [InlineData("*.example,!backup.example ", "backup.example", false)]
    [InlineData("[backup]:2222 ", "[backup]:2222", true)]
    [InlineData("backup ", "[backup]:2222", false)]
    [InlineData("@revoked backup ", "backup", false)]
    [InlineData("@cert-authority *.example ", "backup.example", true)]
    public void PlainPatternsMatchAsSshMatchesThem(string hosts, string name, bool known)
    {
        Assert.Equal(known, KnownHosts.Knows(hosts + Key + "\n", name));
    }

    [Fact]
    public void HashedNamesAreLookedUpWithSshKeygen()
    {
        using var t = new TempRoot();
        var file = t.Write("/root/.ssh/known_hosts", "backup.example " + Key + "\n");
        var hashed = ExternalTool.Run("ssh-keygen", ["-H", "-f", file]);
        Assert.True(hashed.ExitCode == 0, hashed.ToString());
        var text = File.ReadAllText(file);
        Assert.StartsWith("|1|", text);

        Assert.Null(KnownHosts.Knows(text, "backup.example"));
        Assert.True(KnownHosts.AskSshKeygen(ProcessRunner.Real, file, "backup.example"));
        Assert.False(KnownHosts.AskSshKeygen(ProcessRunner.Real, file, "elsewhere.example"));
    }

    [Fact]
    public void PortComesFromTheMatchingHostBlock()
    {
        const string Config = "Host other\n  Port 1\nHost backup*\n  Port 2222\nHost *\n  Port 3\n";
        Assert.Equal(2222, KnownHosts.Port(Config, "backup.example"));
        Assert.Equal(3, KnownHosts.Port(Config, "third"));
        Assert.Equal(22, KnownHosts.Port(null, "backup"));
    }

    private static (TempRoot Root, KdumpService Service, List<IReadOnlyList<string>> Runs, StringWriter Log) SshSetup(int sshStatus, string sshSays = "")
    {
        var t = new TempRoot();
        FakeSystem.Populate(t, "ssh kdump@backup.example\nsshkey /root/.ssh/kdump_id_ed25519\npath /srv/dumps\n");
        t.Write("/sys/kernel/kexec_crash_size", "268435456\n");
        t.Write("/sys/kernel/kexec_crash_loaded", "0\n");
        t.Write("/usr/bin/ssh", "#!/bin/sh\n");
        var key = t.Write("/root/.ssh/kdump_id_ed25519", "key\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        t.Write("/root/.ssh/known_hosts", "backup.example " + Key + "\n");
        var runs = new List<IReadOnlyList<string>>();
        var log = new StringWriter();
        var service = new KdumpService(t.Root, new RootSimulatedKexecLoader(t.Root), t.Real("/etc/kdump.conf"), null, log)
        {
            SshRunner = (argv, output) =>
            {
                runs.Add(argv);
                output.Write(sshSays);
                return sshStatus;
            },
        };
        return (t, service, runs, log);
    }

    [Fact]
    public void StartTestsTheSshTargetAsTheCaptureWillConnect()
    {
        var (t, service, runs, log) = SshSetup(0);
        using (t)
        {
            Assert.True(service.Start(), log.ToString());
            var argv = Assert.Single(runs);
            Assert.Equal(
                [t.Real("/usr/bin/ssh"), "-i", t.Real("/root/.ssh/kdump_id_ed25519"), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                    "-o", $"UserKnownHostsFile={t.Real("/root/.ssh/known_hosts")}", "-o", "ConnectTimeout=15", "kdump@backup.example"],
                argv.Take(argv.Count - 1));
            Assert.StartsWith("mkdir -p '/srv/dumps' ", argv[^1]);
            Assert.Contains("ssh target kdump@backup.example accepts the capture's connection", log.ToString());
        }
    }

    [Fact]
    public void RefusedSshConnectionStopsStartWithWhatSshSaid()
    {
        var (t, service, _, _) = SshSetup(255, "kdump@backup.example: Permission denied (publickey).\n");
        using (t)
        {
            var e = Assert.Throws<NkdumpException>(() => service.Start());
            Assert.Contains("refused the capture's connection (ssh exit status 255: kdump@backup.example: Permission denied (publickey).)", e.Message);
            Assert.Equal("0\n", t.Read("/sys/kernel/kexec_crash_loaded"));
        }
    }

    [Fact]
    public void StartPrintsTheAuditWarnings()
    {
        var (t, service, _, log) = SshSetup(0);
        using (t)
        {
            File.SetUnixFileMode(t.Real("/root/.ssh/kdump_id_ed25519"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            Assert.True(service.Start());
            Assert.Contains("warning: ", log.ToString());
            Assert.Contains("is open to others (mode 0604)", log.ToString());
        }
    }
}
