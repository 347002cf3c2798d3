using Nkdump.Testing;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Issue 17, finding 7: `config check` looks at what kdump.conf names on the machine (under --root):
/// hooks others can change, a missing one, an ssh key open to others, a known_hosts without the
/// server, a dump path through a symbolic link. Errors exit 1; warnings keep exit 0.
/// </summary>
public sealed class ConfigAuditCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nkdump-audit-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Write(string absolute, string text, UnixFileMode? mode = null)
    {
        var path = _root + absolute;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (mode is { } m)
        {
            File.SetUnixFileMode(path, m);
        }

        return path;
    }

    private (int Code, string Out, string Error) Check(string config) =>
        CliRunner.Run("config", "check", "--root", _root, "--config", Write("/etc/kdump.conf", config));

    private const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode All = Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public void WorldWritableHookIsAWarningWithFileAndLine()
    {
        Write("/usr/local/bin/post.sh", "#!/bin/sh\n", All);
        var (code, output, error) = Check("path /var/crash\nkdump_post /usr/local/bin/post.sh\n");
        Assert.True(code == 0, error);
        Assert.Contains($"nkdump: warning: {_root}/etc/kdump.conf:2: 'kdump_post': /usr/local/bin/post.sh is writable by group and others (mode 0777)", error);
        Assert.Contains("1 warning(s)", output);
    }

    [Fact]
    public void HookNotOwnedByRootIsAWarning()
    {
        var hook = Write("/usr/local/bin/pre.sh", "#!/bin/sh\n", Rwx);
        var chown = ExternalTool.Run("chown", ["65534", hook]);
        Assert.True(chown.ExitCode == 0, chown.ToString());
        var (code, _, error) = Check("kdump_pre /usr/local/bin/pre.sh\n");
        Assert.True(code == 0, error);
        Assert.Contains("/usr/local/bin/pre.sh belongs to uid 65534, not root", error);
    }

    [Fact]
    public void MissingHookIsAnError()
    {
        var (code, output, error) = Check("kdump_pre /usr/local/bin/gone.sh\n");
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains($"nkdump config: error: {_root}/etc/kdump.conf:1: 'kdump_pre': /usr/local/bin/gone.sh does not exist", error);
    }

    [Fact]
    public void SshKeyOpenToOthersAndAnUnknownServerAreWarnings()
    {
        Write("/root/.ssh/kdump_id_ed25519", "not really a key\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Write("/root/.ssh/known_hosts", "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        var (code, _, error) = Check("ssh kdump@backup.example\nsshkey /root/.ssh/kdump_id_ed25519\n");
        Assert.True(code == 0, error);
        Assert.Contains(":2: 'sshkey': ssh key /root/.ssh/kdump_id_ed25519 is open to group and others (mode 0644)", error);
        Assert.Contains(":1: 'ssh': /root/.ssh/known_hosts has no key for backup.example", error);
    }

    [Fact]
    public void MissingSshKeyIsAnError()
    {
        var (code, _, error) = Check("ssh kdump@backup.example\n");
        Assert.Equal(1, code);
        Assert.Contains("ssh key /root/.ssh/kdump_id_rsa does not exist", error);
        Assert.Contains("/root/.ssh/known_hosts does not exist", error);
    }

    [Fact]
    public void DumpPathThroughASymlinkIsAnError()
    {
        Directory.CreateDirectory(_root + "/srv/crash");
        Directory.CreateDirectory(_root + "/var");
        File.CreateSymbolicLink(_root + "/var/crash", "/srv/crash");
        var (code, _, error) = Check("path /var/crash\n");
        Assert.Equal(1, code);
        Assert.Contains(":1: 'path': /var/crash is a symbolic link", error);
    }

    [Fact]
    public void SafeSetupIsStillPlainOk()
    {
        Write("/usr/local/bin/post.sh", "#!/bin/sh\n", Rwx);
        Write("/root/.ssh/kdump_id_ed25519", "key\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Write("/root/.ssh/known_hosts", "backup.example,192.0.2.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        var (code, output, error) = Check("ssh kdump@backup.example\nsshkey /root/.ssh/kdump_id_ed25519\nkdump_post /usr/local/bin/post.sh\n");
        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Assert.DoesNotContain("warning", output);
    }
}
