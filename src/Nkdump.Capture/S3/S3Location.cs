namespace Nkdump.Capture.S3;

/// <summary>
/// Where objects go: the endpoint (http:// or https://, with a port when not the scheme's), the
/// bucket, the region that scopes signatures. Requests are path-style (endpoint/bucket/key), which
/// every S3-compatible store serves (Ceph RGW, Swift's s3api, Garage, SeaweedFS, MinIO) and AWS
/// still accepts, and which needs no DNS name per bucket: the capture kernel often has no resolver.
/// </summary>
public sealed record S3Location(Uri Endpoint, string Bucket, string Region)
{
    public const string DefaultRegion = "us-east-1";

    /// <summary>The encoded request path of <paramref name="key"/> (or of the bucket itself when null).</summary>
    public string PathOf(string? key)
    {
        var basePath = Endpoint.AbsolutePath.TrimEnd('/');
        var bucket = "/" + SigV4.UriEncode(Bucket, keepSlash: false);
        return key is null ? basePath + bucket : basePath + bucket + "/" + SigV4.UriEncode(key, keepSlash: true);
    }

    /// <summary>Parses an endpoint URL: http or https, no query, no credentials in it.</summary>
    public static Uri ParseEndpoint(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new S3Exception($"'{text}' is not an http:// or https:// endpoint");
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new S3Exception($"'{text}': the endpoint takes no user, query or fragment (credentials go in the credentials file)");
        }

        return uri;
    }
}
