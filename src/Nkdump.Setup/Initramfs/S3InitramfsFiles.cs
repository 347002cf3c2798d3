using Nkdump.Config;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// What an s3 target needs in the capture initramfs besides the network drivers: the credentials file
/// (0600 in the image, which is itself 0600), the CA certificates TLS checks the endpoint with
/// (s3_ca_file, else the system bundle at the path the capture looks for), and OpenSSL's libraries,
/// which .NET loads at run time for HMAC-SHA256, SHA-256, MD5 and TLS (no DT_NEEDED names them).
/// </summary>
internal static class S3InitramfsFiles
{
    /// <summary>The system CA bundle (Debian's ca-certificates), where the capture's S3 target looks for it.</summary>
    public const string SystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

    /// <summary>OpenSSL 3, as the runtime's System.Security.Cryptography.Native loads it.</summary>
    public static readonly IReadOnlyList<string> CryptoLibraries = ["libssl.so.3", "libcrypto.so.3"];

    public static void Add(HostRoot root, S3Settings s3, SharedLibraryResolver libraries, Action<InitramfsEntry> add, List<string> notes)
    {
        var credentials = root.Resolve(s3.CredentialsFile);
        if (File.Exists(credentials))
        {
            add(InitramfsEntry.FromFile(s3.CredentialsFile, credentials, 0x180 /* 0600 */));
        }
        else
        {
            notes.Add($"s3 target, but no credentials file {s3.CredentialsFile}: the capture cannot sign its uploads");
        }

        if (Uri.TryCreate(s3.Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme == "https")
        {
            var ca = s3.CaFile ?? SystemCaBundle;
            if (File.Exists(root.Resolve(ca)))
            {
                add(InitramfsEntry.FromFile(ca, root.Resolve(ca), 0x1A4));
            }
            else
            {
                notes.Add($"s3 target over https, but no {ca}: the capture cannot check the store's certificate");
            }
        }

        foreach (var library in CryptoLibraries)
        {
            if (libraries.FindLibrary(library) is { } found)
            {
                add(InitramfsEntry.FromFile(found.Path, root.Resolve(found.Source), 0x1ED));
            }
            else
            {
                notes.Add($"s3 target, but no {library} under the root: the capture cannot sign requests (install libssl3)");
            }
        }
    }
}
