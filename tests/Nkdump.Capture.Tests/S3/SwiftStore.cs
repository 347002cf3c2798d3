using Nkdump.Capture.S3;
using Nkdump.Testing.Servers;

namespace Nkdump.Capture.Tests.S3;

/// <summary>One Swift store for every test of the collection (starting one takes 10–20 s).</summary>
public sealed class SwiftStore : IDisposable
{
    private int _buckets;

    internal LoopbackS3Server Server { get; } = new();

    /// <summary>A client of a new, empty bucket: tests do not see each other's objects.</summary>
    public S3Client NewBucket(S3ClientOptions? options = null)
    {
        var client = Client($"test-{Interlocked.Increment(ref _buckets)}-{Guid.NewGuid():N}"[..24], options);
        client.CreateBucket();
        return client;
    }

    public S3Client Client(string bucket, S3ClientOptions? options = null, string? secret = null) =>
        new(new S3Location(new Uri(Server.Endpoint), bucket, Server.Region), new S3Credentials(Server.AccessKey, secret ?? Server.SecretKey), options);

    public void Dispose() => Server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SwiftCollection : ICollectionFixture<SwiftStore>
{
    public const string Name = "swift";
}
