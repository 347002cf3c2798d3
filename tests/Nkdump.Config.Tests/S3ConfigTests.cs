namespace Nkdump.Config.Tests;

/// <summary>nkdump's s3 target: the endpoint, bucket and prefix, region, credentials and CA files; mistakes named with file and line.</summary>
public sealed class S3ConfigTests
{
    [Fact]
    public void TheTargetAndItsCompanionsAreRead()
    {
        var config = KdumpConfigParser.Parse("s3 https://s3.example.com:8443 crashes/fleet-a/web/\ns3_region eu-west-1\ns3_credentials /etc/nkdump/uploader\ns3_ca_file /etc/nkdump/ca.pem\n", "k.conf");

        Assert.Equal(DumpTargetKind.S3, config.Target.Kind);
        Assert.True(config.Target.NeedsFlattened);
        Assert.True(config.CoreCollector.WritesFlattened);
        var s3 = config.S3!;
        Assert.Equal(("https://s3.example.com:8443", "crashes", "fleet-a/web/", "eu-west-1", "/etc/nkdump/uploader", "/etc/nkdump/ca.pem"),
            (s3.Endpoint, s3.Bucket, s3.Prefix, s3.Region, s3.CredentialsFile, s3.CaFile));
        Assert.False(s3.PlainHttp);
        Assert.Contains("s3 https://s3.example.com:8443 crashes/fleet-a/web/", config.EffectiveLines());
        Assert.Contains("s3_credentials /etc/nkdump/uploader", config.EffectiveLines());
    }

    [Fact]
    public void DefaultsAreTheStandardRegionAndCredentialsFile()
    {
        var s3 = KdumpConfigParser.Parse("s3 http://10.0.2.2:8080 crashes\n", "k.conf").S3!;

        Assert.Equal(("", S3Settings.DefaultRegion, S3Settings.DefaultCredentials, null), (s3.Prefix, s3.Region, s3.CredentialsFile, s3.CaFile));
        Assert.True(s3.PlainHttp);
    }

    [Theory]
    [InlineData("s3 crashes\n", "expected 's3 ENDPOINT BUCKET[/PREFIX]'")]
    [InlineData("s3 ftp://host crashes\n", "not an http:// or https:// endpoint")]
    [InlineData("s3 https://key:secret@host crashes\n", "credentials go in s3_credentials")]
    [InlineData("s3 https://host Crashes_Bucket\n", "is not a bucket name")]
    [InlineData("s3 https://host crashes/a/../b\n", "'..'")]
    [InlineData("s3 https://host crashes\ns3_credentials secrets\n", "not an absolute path")]
    [InlineData("path /var/crash\ns3_region eu-west-1\n", "only an 's3' target reads this")]
    [InlineData("ssh root@host\ns3 https://host crashes\n", "more than one dump target")]
    public void MistakesAreRefusedWithTheLine(string text, string message)
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse(text, "k.conf"));

        Assert.Contains(message, e.Message);
        Assert.Contains("k.conf:", e.Message);
    }

    [Fact]
    public void AStreamTargetNeedsAFlattenedCollector()
    {
        var e = Assert.Throws<ConfigException>(() => KdumpConfigParser.Parse("s3 https://host crashes\ncore_collector makedumpfile -l -d 31\n", "k.conf"));

        Assert.Contains("-F", e.Message);
    }
}
