using System.Text.Json;
using Nkdump.Testing;
using Nkdump.Testing.Builders;
using Nkdump.Testing.Servers;

namespace Nkdump.Cli.Tests;

/// <summary>One Swift store (tests/s3/swift.sh) for the fleet tests; its start costs 10–20 s.</summary>
public sealed class FleetStoreFixture : IDisposable
{
    internal LoopbackS3Server Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// `nkdump save` to an s3 target (the real triage in the capture path) and `nkdump fleet` over the
/// bucket: crashes grouped by the signature `nkdump triage` prints, a dump fetched and read again.
/// </summary>
public sealed class FleetCommandTests(FleetStoreFixture store) : IClassFixture<FleetStoreFixture>, IDisposable
{
    private const string FixtureA = "debian-6.1.0-56-amd64";
    private const string FixtureB = "debian-6.12.117-amd64";
    private readonly TempDirectory _root = new();

    [Fact]
    public void SavedCrashesAreGroupedBySignatureAndADumpComesBackWhole()
    {
        var bucket = "fleet-" + Guid.NewGuid().ToString("N")[..12];
        var mb = store.Server.S3cmd("mb", "s3://" + bucket);
        Assert.True(mb.ExitCode == 0, mb.ToString());
        var credentials = Write("etc/nkdump/s3-credentials", $"aws_access_key_id = {store.Server.AccessKey}\naws_secret_access_key = {store.Server.SecretKey}\n");
        Write("etc/kdump.conf", $"s3 {store.Server.Endpoint} {bucket}/fleet\ncore_collector makedumpfile -F -l --message-level 1 -d 31\n");

        Save(FixtureA);
        Thread.Sleep(1100); // the same host in the same second would name the same crash
        Save(FixtureA);
        Save(FixtureB);

        var signatureA = Signature(Fixtures.ElfVmcore(FixtureA));
        var signatureB = Signature(Fixtures.ElfVmcore(FixtureB));
        string[] storeOptions = ["--endpoint", store.Server.Endpoint, "--bucket", bucket + "/fleet", "--credentials", credentials];
        var list = CliRunner.Run(["fleet", "list", "--json", .. storeOptions]);
        Assert.True(list.ExitCode == 0, list.Error);
        var groups = JsonDocument.Parse(list.Out).RootElement.EnumerateArray().ToDictionary(g => g.GetProperty("signature").GetString()!, g => g);
        Assert.Equal(signatureA == signatureB ? 3 : 2, groups[signatureA].GetProperty("count").GetInt32());
        Assert.Equal(groups[signatureA].GetProperty("count").GetInt32(), groups[signatureA].GetProperty("complete_dumps").GetInt32());
        if (signatureA != signatureB)
        {
            Assert.Equal(1, groups[signatureB].GetProperty("count").GetInt32());
        }

        var text = CliRunner.Run(["fleet", "list", .. storeOptions]);
        Assert.Contains(signatureA, text.Out);
        var show = CliRunner.Run(["fleet", "show", signatureA[..8], .. storeOptions]);
        Assert.True(show.ExitCode == 0, show.Error);
        var crash = show.Out.Split('\n').First(l => l.StartsWith("  fleet/", StringComparison.Ordinal)).Trim().Split("  ")[0];

        var output = _root.File("fetched");
        var get = CliRunner.Run(["fleet", "get", crash, "--output", output, .. storeOptions]);
        Assert.True(get.ExitCode == 0, get.Error);
        Assert.Equal(signatureA, Signature(Path.Combine(output, "vmcore")));
        Assert.True(File.Exists(Path.Combine(output, "vmcore-dmesg.txt")));
    }

    public void Dispose() => _root.Dispose();

    private static string Signature(string dump)
    {
        var triage = CliRunner.Run("triage", "--json", dump);
        Assert.True(triage.ExitCode == 0, triage.Error);
        return JsonDocument.Parse(triage.Out).RootElement.GetProperty("signature").GetString()!;
    }

    private void Save(string fixture)
    {
        var save = CliRunner.Run("save", "--root", _root.Path, "--vmcore", Fixtures.ElfVmcore(fixture));
        Assert.True(save.ExitCode == 0, save.Error);
        Assert.Contains("uploading vmcore complete", save.Error);
    }

    private string Write(string relative, string text)
    {
        var path = _root.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
