using System.Text;
using Nkdump.Capture.S3;

namespace Nkdump.Capture.Tests.S3;

/// <summary>
/// The signer against the worked examples of AWS's S3 documentation ("Signature Calculations for the
/// Authorization Header: Transferring Payload in a Single Chunk"): their key, secret, time, requests and
/// signatures. A real server checking our signatures is in <see cref="S3ClientOnSwiftTests"/>.
/// </summary>
public sealed class SigV4Tests
{
    private static readonly DateTimeOffset ExampleTime = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);
    private readonly SigV4 _signer = new(new S3Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "us-east-1");

    [Fact]
    public void GetObjectWithRange()
    {
        var authorization = _signer.Authorization("GET", "/test.txt", [],
            Headers(("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"), ("x-amz-content-sha256", SigV4.EmptyPayloadHash), ("x-amz-date", "20130524T000000Z")),
            SigV4.EmptyPayloadHash, ExampleTime);

        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", authorization);
    }

    [Fact]
    public void PutObjectWithAPayloadAndAnEncodedKey()
    {
        var payload = Encoding.UTF8.GetBytes("Welcome to Amazon S3.");
        var hash = SigV4.PayloadHash(payload);
        Assert.Equal("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", hash);
        Assert.Equal("/test%24file.text", "/" + SigV4.UriEncode("test$file.text", keepSlash: true));

        var authorization = _signer.Authorization("PUT", "/test%24file.text", [],
            Headers(("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-date", "20130524T000000Z"),
                ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", hash)),
            hash, ExampleTime);

        Assert.EndsWith("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd", authorization);
    }

    [Fact]
    public void ListObjectsWithASortedQuery()
    {
        var authorization = _signer.Authorization("GET", "/", [new("prefix", "J"), new("max-keys", "2")],
            Headers(("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", SigV4.EmptyPayloadHash)),
            SigV4.EmptyPayloadHash, ExampleTime);

        Assert.EndsWith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7", authorization);
    }

    [Fact]
    public void GetBucketLifecycleWithAnEmptyQueryValue()
    {
        var authorization = _signer.Authorization("GET", "/", [new("lifecycle", "")],
            Headers(("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", SigV4.EmptyPayloadHash)),
            SigV4.EmptyPayloadHash, ExampleTime);

        Assert.EndsWith("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543", authorization);
    }

    [Fact]
    public void EncodingKeepsOnlyUnreservedCharactersAndEncodesUtf8Bytes()
    {
        Assert.Equal("a-b_c.d~e%20f%2Bg%3D", SigV4.UriEncode("a-b_c.d~e f+g=", keepSlash: false));
        Assert.Equal("dir/%C3%A9t%C3%A9", SigV4.UriEncode("dir/été", keepSlash: true));
        Assert.Equal("a%2Fb", SigV4.UriEncode("a/b", keepSlash: false));
    }

    [Fact]
    public void CredentialsFilesOfAwsAndS3cmdAreRead()
    {
        var aws = S3Credentials.Parse("# fleet uploader\n[default]\naws_access_key_id = AKID\naws_secret_access_key = se=cret\n[other]\naws_access_key_id = X\naws_secret_access_key = Y\n", "creds");
        Assert.Equal("AKID", aws.AccessKey);
        Assert.Equal("se=cret", aws.SecretKey);
        Assert.Equal("access key AKID", aws.ToString());
        var s3cmd = S3Credentials.Parse("[default]\naccess_key = test:tester\nsecret_key = testing\n", "creds");
        Assert.Equal("test:tester", s3cmd.AccessKey);
        var missing = Assert.Throws<S3Exception>(() => S3Credentials.Parse("aws_access_key_id = A\n", "/etc/nkdump/s3.credentials"));
        Assert.Contains("/etc/nkdump/s3.credentials", missing.Message);
        Assert.Contains("/etc/nkdump/s3.credentials:1", Assert.Throws<S3Exception>(() => S3Credentials.Parse("garbage\n", "/etc/nkdump/s3.credentials")).Message);
    }

    private static KeyValuePair<string, string>[] Headers(params (string Name, string Value)[] headers) =>
        [.. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))];
}
