using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Nkdump.Capture.S3;

/// <summary>
/// AWS Signature Version 4 for the S3 API, written here rather than taken from the AWS SDK: the SDK
/// is large, leans on reflection (trim/AOT warnings) and would be the biggest part of the capture
/// initramfs' binary. The algorithm is small and fully specified (canonical request → string to
/// sign → HMAC-SHA256 key chain); the tests check it against the examples AWS publishes and against
/// a real server (Swift's s3api) that verifies every signature.
/// S3's own rules are followed: the path is encoded once (not twice, as other services do), '/'
/// kept; the payload's SHA-256 (or UNSIGNED-PAYLOAD) is both signed and sent as x-amz-content-sha256.
/// </summary>
public sealed class SigV4(S3Credentials credentials, string region, string service = "s3")
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// The Authorization header's value for a request. <paramref name="headers"/> are the headers to sign
    /// (names in any case; host, x-amz-date and x-amz-content-sha256 must be among them).
    /// </summary>
    public string Authorization(string method, string encodedPath, IEnumerable<KeyValuePair<string, string>> query,
        IEnumerable<KeyValuePair<string, string>> headers, string payloadHash, DateTimeOffset time)
    {
        var signed = headers
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: CanonicalValue(h.Value)))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedNames = string.Join(';', signed.Select(h => h.Name));
        var canonical = new StringBuilder()
            .Append(method).Append('\n')
            .Append(encodedPath).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in signed)
        {
            canonical.Append(name).Append(':').Append(value).Append('\n');
        }

        canonical.Append('\n').Append(signedNames).Append('\n').Append(payloadHash);
        var date = time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{AmzDate(time)}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var signature = Hex(HMACSHA256.HashData(SigningKey(date), Encoding.UTF8.GetBytes(stringToSign)));
        return $"{Algorithm} Credential={credentials.AccessKey}/{scope},SignedHeaders={signedNames},Signature={signature}";
    }

    /// <summary>The x-amz-date form of a time: 20130524T000000Z.</summary>
    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static string PayloadHash(ReadOnlySpan<byte> payload) => Hex(SHA256.HashData(payload));

    /// <summary>S3's URI encoding: unreserved characters (A-Z a-z 0-9 - _ . ~) as they are, every other UTF-8 byte as %XX; '/' kept when <paramref name="keepSlash"/>.</summary>
    public static string UriEncode(string text, bool keepSlash)
    {
        var result = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                result.Append(c);
            }
            else
            {
                result.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return result.ToString();
    }

    /// <summary>The query string as signed and as sent: names and values encoded, sorted by name (then value).</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('&', query
            .Select(p => (Name: UriEncode(p.Key, false), Value: UriEncode(p.Value, false)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    private byte[] SigningKey(string date)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    /// <summary>Header values are trimmed and runs of spaces folded to one, as the specification says.</summary>
    private static string CanonicalValue(string value) =>
        string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
