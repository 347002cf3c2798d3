using System.Security.Cryptography;
using System.Text.Json;
using Nkdump.Capture.S3;
using Nkdump.Formats;
using Nkdump.Testing;

namespace Nkdump.Capture.Tests.S3;

/// <summary>
/// `nkdump save` with an s3 target against Swift on loopback: the objects, their order's result, the
/// dump read back by s3cmd and rebuilt by makedumpfile -R, and a store that refuses the upload.
/// </summary>
[Collection(SwiftCollection.Name)]
public sealed class SaveToS3Tests(SwiftStore store) : IDisposable
{
    private readonly CaptureTestRoot _t = new();

    [Fact]
    public void TheCrashIsUploadedLogAndTriageFirstThenDumpThenMarker()
    {
        using var bucket = store.NewBucket();
        Configure(bucket.Location.Bucket + "/fleet-a");
        var settings = _t.Settings() with
        {
            CrashReporter = path => new CrashReport("0123456789abcdef", "Kernel panic - not syncing: sysrq triggered crash", "6.1.0-56-amd64", "web-1", "2026-11-26 09:05:00", "{\"signature\":\"0123456789abcdef\"}"),
        };

        Assert.True(new SaveRunner(settings, _t.Machine, new CaptureLog(_t.Log)).Run() == 0, _t.ToString());

        var directory = "fleet-a/web-1-2026-11-26-09:05:07/";
        Assert.Equal([directory + FleetObjects.Crash, directory + FleetObjects.Dmesg, directory + FleetObjects.Complete, directory + FleetObjects.Vmcore],
            bucket.ListObjects("fleet-a/").Select(o => o.Key).Order(StringComparer.Ordinal));
        Assert.Equal(CaptureTestRoot.ExpectedDmesg, System.Text.Encoding.UTF8.GetString(bucket.GetObject(directory + FleetObjects.Dmesg)!));
        var crash = JsonSerializer.Deserialize(bucket.GetObject(directory + FleetObjects.Crash), FleetJsonContext.Default.CrashRecord)!;
        Assert.Equal(("web-1", "0123456789abcdef", "6.1.0-56-amd64"), (crash.Host, crash.Signature, crash.Kernel));

        // s3cmd, not our client, fetches the dump; makedumpfile rebuilds it; the marker's checksum matches.
        var flat = store.Server.ScratchFile(Guid.NewGuid().ToString("N"));
        var get = store.Server.S3cmd("get", "--force", $"s3://{bucket.Location.Bucket}/{directory}{FleetObjects.Vmcore}", flat);
        Assert.True(get.ExitCode == 0, get.ToString());
        var marker = JsonSerializer.Deserialize(bucket.GetObject(directory + FleetObjects.Complete), FleetJsonContext.Default.CompleteRecord)!;
        Assert.Equal(new FileInfo(flat).Length, marker.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(flat))), marker.Sha256);
        var rebuilt = flat + ".vmcore";
        var reassemble = ExternalTool.Run("sh", ["-c", $"makedumpfile -R '{rebuilt}' < '{flat}'"]);
        Assert.True(reassemble.ExitCode == 0, reassemble.ToString());
        Assert.Equal(DumpFormat.KdumpCompressed, DumpOpener.Probe(rebuilt));
        Assert.Equal(["reboot"], _t.Machine.Actions);
        Assert.DoesNotContain(store.Server.SecretKey, _t.ToString());
    }

    [Fact]
    public void WithoutTriageTheAddressNamesTheCrashAndTheSignatureIsUnknown()
    {
        using var bucket = store.NewBucket();
        Configure(bucket.Location.Bucket);

        Assert.True(_t.Save() == 0, _t.ToString());

        var crash = JsonSerializer.Deserialize(bucket.GetObject($"127.0.0.1-2026-11-26-09:05:07/{FleetObjects.Crash}"), FleetJsonContext.Default.CrashRecord)!;
        Assert.Equal(("127.0.0.1", "unknown"), (crash.Host, crash.Signature));
    }

    [Fact]
    public void AStoreThatRefusesTheUploadRunsFailureActionAndMarksNothingComplete()
    {
        using var bucket = store.NewBucket();
        Configure("no-such-bucket-here", "failure_action halt\n");

        Assert.Equal(1, _t.Save());

        Assert.Equal(["halt"], _t.Machine.Actions);
        Assert.Contains("NoSuchBucket", _t.ToString());
        Assert.Contains("no dump is marked complete", _t.ToString());
    }

    [Fact]
    public void TheUploadStreamCompletesOneObjectOrAbortsToNothing()
    {
        using var bucket = store.NewBucket();
        var bytes = RandomNumberGenerator.GetBytes((12 << 20) + 77);
        var upload = new S3UploadStream(bucket, "d/vmcore.flat", S3UploadStream.MinimumPartSize);
        foreach (var chunk in bytes.Chunk(1 << 20))
        {
            upload.Write(chunk);
        }

        Assert.Equal(2, upload.PartsUploaded); // the third, short part goes at Complete
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), upload.Complete());
        Assert.Equal(bytes, bucket.GetObject("d/vmcore.flat"));

        var abandoned = new S3UploadStream(bucket, "e/vmcore.flat", S3UploadStream.MinimumPartSize);
        abandoned.Write(bytes);
        Assert.Null(abandoned.Abort());
        Assert.Empty(bucket.ListObjects("e/"));
        Assert.Equal(16 << 20, S3UploadStream.PartSizeFor(1L << 30));
        Assert.Equal(106 << 20, S3UploadStream.PartSizeFor(1L << 40)); // 1 TiB in at most 9,900 parts
    }

    public void Dispose() => _t.Dispose();

    private void Configure(string bucketAndPrefix, string extra = "")
    {
        _t.Write("/etc/nkdump/s3-credentials", $"[default]\naws_access_key_id = {store.Server.AccessKey}\naws_secret_access_key = {store.Server.SecretKey}\n");
        _t.Config($"s3 {store.Server.Endpoint} {bucketAndPrefix}\ncore_collector makedumpfile -F -l --message-level 1 -d 31\n{extra}");
    }
}
