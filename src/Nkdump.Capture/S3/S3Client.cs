using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;

namespace Nkdump.Capture.S3;

/// <summary>What a request came back with (the body read whole: S3's answers to these calls are small).</summary>
public sealed record S3Response(HttpStatusCode Status, HttpResponseHeaders Headers, byte[] Body);

/// <summary>One object of a listing.</summary>
public sealed record S3Object(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// A small synchronous S3 client over HttpClient: the calls a dump upload and the fleet commands
/// need, each request signed with <see cref="SigV4"/>, its body's SHA-256 signed and its MD5 sent
/// (Content-MD5) so the server verifies what it stores. Requests are retried (a fresh signature
/// each time) on network errors, timeouts, 5xx, 408 and 429, with doubling pauses; other answers fail
/// at once. TLS uses the system's trust store, or only the CA certificates of a given PEM file.
/// </summary>
public sealed partial class S3Client : IDisposable
{
    private readonly HttpClient _http;
    private readonly SigV4 _signer;
    private readonly TimeProvider _clock;

    public S3Client(S3Location location, S3Credentials credentials, S3ClientOptions? options = null)
    {
        Location = location;
        Options = options ?? new S3ClientOptions();
        _signer = new SigV4(credentials, location.Region);
        _clock = Options.Clock;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = Options.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false, // a capture kernel has no proxy; a host's proxy variables must not send dumps elsewhere
        };
        if (Options.ConnectTo is { } address)
        {
            handler.ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancel).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        if (Options.CaFile is { } caFile)
        {
            var authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new S3Exception($"cannot read the CA file {caFile}: {e.Message}", e);
            }

            if (authorities.Count == 0)
            {
                throw new S3Exception($"the CA file {caFile} holds no certificate");
            }

            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(authorities, certificate, errors),
            };
        }

        _http = new HttpClient(handler) { Timeout = Options.RequestTimeout };
    }

    public S3Location Location { get; }

    public S3ClientOptions Options { get; }

    public void Dispose() => _http.Dispose();

    /// <summary>Stores <paramref name="body"/> as <paramref name="key"/>.</summary>
    public void PutObject(string key, ReadOnlyMemory<byte> body, string contentType = "application/octet-stream") =>
        Send(HttpMethod.Put, key, [], body, contentType);

    /// <summary>The object's bytes; null when there is no such object.</summary>
    public byte[]? GetObject(string key)
    {
        try
        {
            return Send(HttpMethod.Get, key, [], default).Body;
        }
        catch (S3Exception e) when (e.Status == 404)
        {
            return null;
        }
    }

    public void DeleteObject(string key) => Send(HttpMethod.Delete, key, [], default);

    /// <summary>Creates the bucket (tests and first setups; a capture never does).</summary>
    public void CreateBucket() => Send(HttpMethod.Put, null, [], default);

    /// <summary>Starts a multipart upload of <paramref name="key"/>; its upload id.</summary>
    public string CreateMultipartUpload(string key, string contentType = "application/octet-stream")
    {
        var response = Send(HttpMethod.Post, key, [new("uploads", "")], default, contentType);
        return ChildText(ParseXml(response.Body, "CreateMultipartUpload"), "UploadId")
            ?? throw new S3Exception($"the store started an upload of {key} without an upload id");
    }

    /// <summary>Uploads part <paramref name="number"/> (1…10000); its ETag, which completing the upload needs.</summary>
    public string UploadPart(string key, string uploadId, int number, ReadOnlyMemory<byte> body)
    {
        var response = Send(HttpMethod.Put, key, [new("partNumber", number.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("uploadId", uploadId)], body);
        return response.Headers.ETag?.Tag ?? throw new S3Exception($"the store accepted part {number} of {key} without an ETag");
    }

    /// <summary>Completes the upload from its parts' ETags; the object exists from here on.</summary>
    public void CompleteMultipartUpload(string key, string uploadId, IReadOnlyList<string> etags)
    {
        var document = new XElement("CompleteMultipartUpload",
            etags.Select((etag, i) => new XElement("Part", new XElement("PartNumber", i + 1), new XElement("ETag", etag))));
        var body = System.Text.Encoding.UTF8.GetBytes(document.ToString(SaveOptions.DisableFormatting));
        var response = Send(HttpMethod.Post, key, [new("uploadId", uploadId)], body, "application/xml");

        // S3 may answer 200 and still fail: the error then is the body (AWS's documented behaviour).
        var root = ParseXml(response.Body, "CompleteMultipartUpload");
        if (root.Name.LocalName == "Error")
        {
            throw new S3Exception($"completing the upload of {key} failed: {ChildText(root, "Code")}: {ChildText(root, "Message")}") { Code = ChildText(root, "Code") };
        }
    }

    /// <summary>Gives the upload up: the store drops its parts, and no object appears.</summary>
    public void AbortMultipartUpload(string key, string uploadId) =>
        Send(HttpMethod.Delete, key, [new("uploadId", uploadId)], default);

    /// <summary>Every object whose key starts with <paramref name="prefix"/> (ListObjectsV2, page by page).</summary>
    public IEnumerable<S3Object> ListObjects(string prefix)
    {
        string? token = null;
        do
        {
            List<KeyValuePair<string, string>> query = [new("list-type", "2"), new("prefix", prefix)];
            if (token is not null)
            {
                query.Add(new("continuation-token", token));
            }

            var root = ParseXml(Send(HttpMethod.Get, null, query, default).Body, "ListObjectsV2");
            foreach (var item in root.Elements().Where(e => e.Name.LocalName == "Contents"))
            {
                var key = ChildText(item, "Key") ?? throw new S3Exception("a listing entry without a key");
                _ = long.TryParse(ChildText(item, "Size"), out var size);
                _ = DateTimeOffset.TryParse(ChildText(item, "LastModified"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var modified);
                yield return new S3Object(key, size, modified);
            }

            token = ChildText(root, "IsTruncated") == "true" ? ChildText(root, "NextContinuationToken") : null;
        }
        while (token is not null);
    }

    /// <summary>Copies the object into <paramref name="output"/> as it arrives (no whole copy in memory); false when there is no such object.</summary>
    public bool GetObjectTo(string key, Stream output)
    {
        using var request = NewRequest(HttpMethod.Get, key, [], default, null);
        using var response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw Failure(HttpMethod.Get, key, response.StatusCode, ReadAll(response));
        }

        using var body = response.Content.ReadAsStream();
        body.CopyTo(output, 1 << 20);
        return true;
    }

    private static bool TrustedBy(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // no network for CRLs in a capture kernel
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static XElement ParseXml(byte[] body, string what)
    {
        try
        {
            return XDocument.Parse(System.Text.Encoding.UTF8.GetString(body)).Root ?? throw new S3Exception($"the store's answer to {what} is empty");
        }
        catch (System.Xml.XmlException e)
        {
            throw new S3Exception($"the store's answer to {what} is not XML: {e.Message}", e);
        }
    }

    private static string? ChildText(XElement element, string name) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}

/// <summary>How an <see cref="S3Client"/> connects and retries.</summary>
public sealed record S3ClientOptions
{
    /// <summary>A PEM file of the only CA certificates to trust; null: the system's trust store.</summary>
    public string? CaFile { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One request, a whole part included: a stalled server must not hang a capture kernel.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Tries of one request (the first included).</summary>
    public int Attempts { get; init; } = 5;

    /// <summary>The pause after the first failed try; doubled after each next one.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>
    /// The address to connect to instead of resolving the endpoint's name (the capture kernel resolved
    /// it once, from kdump_remote_ip= or DNS); the name still goes in Host and TLS's SNI and checks.
    /// </summary>
    public IPAddress? ConnectTo { get; init; }

    /// <summary>Where retries are reported (never with credentials); null: nowhere.</summary>
    public Action<string>? Log { get; init; }
}
