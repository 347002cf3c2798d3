using Nkdump.Testing.Builders;
using Xunit;

namespace Nkdump.Testing.Servers;

/// <summary>
/// A real S3-compatible store for the tests: OpenStack Swift from Debian's packages with its s3api
/// and tempauth middlewares, on 127.0.0.1 and free ports, storage in a scratch directory, started by
/// tests/s3/swift.sh and stopped on dispose. Starting takes 10–20 s: share one per test collection.
/// </summary>
internal sealed class LoopbackS3Server : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _script = Path.Combine(RepoPaths.Root, "tests", "s3", "swift.sh");

    public LoopbackS3Server()
    {
        Assert.True(File.Exists("/usr/bin/swift-proxy-server"), "the S3 tests need Debian's swift-proxy, swift-account, swift-container and swift-object (scripts/install-test-deps.sh)");
        var start = ExternalTool.Run(_script, ["start", _dir.Path]);
        Assert.True(start.ExitCode == 0, start.ToString());
        var settings = File.ReadAllLines(Path.Combine(_dir.Path, "env"))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Endpoint = settings["S3_ENDPOINT"];
        AccessKey = settings["S3_ACCESS_KEY"];
        SecretKey = settings["S3_SECRET_KEY"];
        Region = settings["S3_REGION"];
    }

    public string Endpoint { get; }

    public string AccessKey { get; }

    public string SecretKey { get; }

    public string Region { get; }

    /// <summary>Writes an s3cmd configuration for this store; its path.</summary>
    public string S3cmdConfig()
    {
        var path = Path.Combine(_dir.Path, "s3cfg");
        var host = new Uri(Endpoint).Authority;
        File.WriteAllText(path, $"[default]\naccess_key = {AccessKey}\nsecret_key = {SecretKey}\nhost_base = {host}\nhost_bucket = {host}\nuse_https = False\nsignature_v2 = False\nbucket_location = {Region}\n");
        return path;
    }

    /// <summary>Runs s3cmd (Debian's, an independent client) against this store.</summary>
    public ToolResult S3cmd(params string[] arguments) =>
        ExternalTool.Run("s3cmd", ["-c", S3cmdConfig(), .. arguments]);

    /// <summary>A scratch file under the store's directory.</summary>
    public string ScratchFile(string name) => Path.Combine(_dir.Path, name);

    public void Dispose()
    {
        ExternalTool.Run(_script, ["stop", _dir.Path]);
        _dir.Dispose();
    }
}
