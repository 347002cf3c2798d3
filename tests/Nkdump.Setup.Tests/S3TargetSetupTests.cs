using Nkdump.Config;
using Nkdump.Setup.Initramfs;
using Nkdump.Setup.Service;

namespace Nkdump.Setup.Tests;

/// <summary>An s3 target on the host side: what the capture initramfs carries, and what config check says of the credentials file.</summary>
public class S3TargetSetupTests
{
    private const string Conf = "s3 https://s3.example.com crashes/fleet\ns3_credentials /etc/nkdump/s3-credentials\ncore_collector makedumpfile -F -l -d 31\n";

    [Fact]
    public void TheInitramfsCarriesTheCredentialsOwnerOnlyTheCaBundleAndOpenSsl()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, Conf);
        t.Write("/etc/nkdump/s3-credentials", "aws_access_key_id = A\naws_secret_access_key = S\n");
        t.Write("/etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\n");
        foreach (var library in S3InitramfsFiles.CryptoLibraries)
        {
            t.Write("/usr/lib/x86_64-linux-gnu/" + library, File.ReadAllBytes("/usr/lib/x86_64-linux-gnu/" + library));
        }

        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        var plan = new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")));

        Assert.Equal(0x180u, plan.Entries.Single(e => e.Path == "/etc/nkdump/s3-credentials").Permissions);
        Assert.Contains(plan.Entries, e => e.Path == S3InitramfsFiles.SystemCaBundle);
        Assert.Contains(plan.Entries, e => e.Path.EndsWith("/x86_64-linux-gnu/libssl.so.3", StringComparison.Ordinal));
        Assert.Contains(plan.Entries, e => e.Path.EndsWith("/x86_64-linux-gnu/libcrypto.so.3", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Notes, n => n.Contains("s3 target", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingPiecesAreNoted()
    {
        using var t = new TempRoot();
        FakeSystem.Populate(t, Conf);

        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));
        var plan = new InitramfsPlanner(t.Root).Plan(new InitramfsInputs(FakeSystem.Release, "/usr/sbin/nkdump", config, t.Real("/etc/kdump.conf")));

        Assert.Contains(plan.Notes, n => n.Contains("no credentials file /etc/nkdump/s3-credentials", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Contains("cannot check the store's certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfigCheckWarnsAboutCredentialsOthersCanReadAndPlainHttp()
    {
        using var t = new TempRoot();
        t.Write("/etc/kdump.conf", "s3 http://192.0.2.10:8080 crashes\n");
        var credentials = t.Write("/etc/nkdump/s3-credentials", "aws_access_key_id = A\naws_secret_access_key = S\n");
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var config = KdumpConfigParser.Load(t.Real("/etc/kdump.conf"));

        var findings = new ConfigAudit(t.Root).Check(config);

        Assert.Contains(findings, f => !f.Blocks && f.Message.Contains("readable or writable by others (mode 604)", StringComparison.Ordinal));
        Assert.Contains(findings, f => !f.Blocks && f.Message.Contains("plain http", StringComparison.Ordinal));
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Delete(credentials);
        Assert.Contains(new ConfigAudit(t.Root).Check(config), f => f.Blocks && f.Message.Contains("does not exist", StringComparison.Ordinal));
    }
}
