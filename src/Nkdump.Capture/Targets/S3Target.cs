using System.Net;
using Nkdump.Capture.S3;
using Nkdump.Config;

namespace Nkdump.Capture.Targets;

/// <summary>The capture kernel's S3 client for kdump.conf's s3 target: credentials and CA files from the initramfs.</summary>
internal static class S3Target
{
    /// <summary>The system CA bundle the initramfs carries for https endpoints without s3_ca_file (Debian's path).</summary>
    public const string SystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

    public static S3Client Client(CaptureRoot root, S3Settings s3, CaptureLog log, string serverAddress)
    {
        S3Credentials credentials;
        try
        {
            credentials = S3Credentials.Read(root.Resolve(s3.CredentialsFile));
        }
        catch (S3Exception e)
        {
            throw new CaptureFailedException(e.Message);
        }

        var endpoint = S3Location.ParseEndpoint(s3.Endpoint);
        string? caFile = null;
        if (endpoint.Scheme == "https")
        {
            caFile = s3.CaFile is { } given ? root.Resolve(given) : root.Resolve(SystemCaBundle);
            if (!File.Exists(caFile))
            {
                log.Warning($"{caFile} is missing: TLS falls back to the system's trust store, which a capture initramfs may not have");
                caFile = null;
            }
        }

        return new S3Client(new S3Location(endpoint, s3.Bucket, s3.Region), credentials, new S3ClientOptions
        {
            CaFile = caFile,
            ConnectTo = IPAddress.TryParse(serverAddress, out var address) ? address : null,
            Log = log.Warning,
        });
    }
}
