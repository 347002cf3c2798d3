using System.Security.Cryptography;
using Nkdump.Capture.S3;

namespace Nkdump.Capture.Tests.S3;

/// <summary>
/// The client against a real S3 server (Swift's s3api on loopback), which checks every signature and
/// every Content-MD5; s3cmd, an independent client, reads back what was written.
/// </summary>
[Collection(SwiftCollection.Name)]
public sealed class S3ClientOnSwiftTests(SwiftStore store)
{
    [Fact]
    public void PutObjectIsReadBackByS3cmd()
    {
        using var client = store.NewBucket();
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        client.PutObject("host a/2026-12-08 crash/vmcore-dmesg.txt", bytes);

        var copy = store.Server.ScratchFile(Guid.NewGuid().ToString("N"));
        var get = store.Server.S3cmd("get", "--force", $"s3://{client.Location.Bucket}/host a/2026-12-08 crash/vmcore-dmesg.txt", copy);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal(bytes, File.ReadAllBytes(copy));
        Assert.Equal(bytes, client.GetObject("host a/2026-12-08 crash/vmcore-dmesg.txt"));
        Assert.Null(client.GetObject("host a/none"));
    }

    [Fact]
    public void MultipartUploadIsOneObjectOfAllParts()
    {
        using var client = store.NewBucket();
        var part1 = RandomNumberGenerator.GetBytes(5 << 20); // S3's smallest part but the last
        var part2 = RandomNumberGenerator.GetBytes(5 << 20);
        var part3 = RandomNumberGenerator.GetBytes(12345);
        var id = client.CreateMultipartUpload("h/vmcore.flat");
        var etags = new[] { part1, part2, part3 }.Select((p, i) => client.UploadPart("h/vmcore.flat", id, i + 1, p)).ToList();
        client.CompleteMultipartUpload("h/vmcore.flat", id, etags);

        var copy = store.Server.ScratchFile(Guid.NewGuid().ToString("N"));
        var get = store.Server.S3cmd("get", "--force", $"s3://{client.Location.Bucket}/h/vmcore.flat", copy);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal([.. part1, .. part2, .. part3], File.ReadAllBytes(copy));
        Assert.Equal(part1.Length * 2L + part3.Length, Assert.Single(client.ListObjects("h/")).Size);
    }

    [Fact]
    public void AnAbortedUploadLeavesNoObject()
    {
        using var client = store.NewBucket();
        var id = client.CreateMultipartUpload("h/vmcore.flat");
        client.UploadPart("h/vmcore.flat", id, 1, RandomNumberGenerator.GetBytes(5 << 20));
        client.AbortMultipartUpload("h/vmcore.flat", id);

        Assert.Empty(client.ListObjects("h/"));
        Assert.Null(client.GetObject("h/vmcore.flat"));
    }

    [Fact]
    public void AWrongSecretFailsAtOnceWithoutRetries()
    {
        using var good = store.NewBucket();
        var retries = new List<string>();
        using var client = store.Client(good.Location.Bucket, new S3ClientOptions { Log = retries.Add }, secret: "wrong");

        var e = Assert.Throws<S3Exception>(() => client.PutObject("x", "data"u8.ToArray()));

        Assert.Equal(403, e.Status);
        Assert.Contains("SignatureDoesNotMatch", e.Message);
        Assert.DoesNotContain("wrong", e.Message);
        Assert.Empty(retries);
    }

    [Fact]
    public void ListingFollowsContinuationTokensAndPrefixes()
    {
        using var client = store.NewBucket();
        for (var i = 0; i < 5; i++)
        {
            client.PutObject($"a/{i}", new[] { (byte)i });
        }

        client.PutObject("b/0", new byte[] { 9 });

        Assert.Equal(["a/0", "a/1", "a/2", "a/3", "a/4"], client.ListObjects("a/").Select(o => o.Key));
        Assert.Equal(6, client.ListObjects("").Count());
    }

    [Fact]
    public void AStoreThatIsNotThereIsRetriedThenReported()
    {
        var retries = new List<string>();
        using var client = new S3Client(new S3Location(new Uri("http://127.0.0.1:9"), "b", "us-east-1"), new S3Credentials("k", "s"),
            new S3ClientOptions { Attempts = 3, FirstRetryDelay = TimeSpan.FromMilliseconds(10), Log = retries.Add });

        var e = Assert.Throws<S3Exception>(() => client.PutObject("x", new byte[] { 1 }));

        Assert.Contains("after 3 tries", e.Message);
        Assert.Equal(2, retries.Count);
    }
}
