using System.Text;
using Nkdump.Formats.IO;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;

namespace Nkdump.Formats.Age;

/// <summary>
/// A secret key that opens age files, read from an identity file as the age tool reads them
/// (<c>age -d -i FILE</c>): "AGE-SECRET-KEY-1…" lines (comments with '#'), or an unencrypted
/// OpenSSH private key (ed25519 or rsa, "-----BEGIN OPENSSH PRIVATE KEY-----").
/// </summary>
public abstract class AgeIdentity
{
    /// <summary>An identity file larger than this is not one (an RSA 16384-bit key is about 13 KiB).</summary>
    private const long MaxFileBytes = 1 << 20;

    /// <summary>
    /// The file key from the stanza, or null when the stanza is not for this identity (another
    /// type or key). Throws <see cref="NkdumpException"/> for a stanza of this type that is malformed.
    /// </summary>
    internal abstract byte[]? Unwrap(AgeStanza stanza);

    /// <summary>Reads the identities of an identity file.</summary>
    public static IReadOnlyList<AgeIdentity> Load(string path)
    {
        string text;
        try
        {
            text = InputFile.ReadAllText(path, MaxFileBytes, "the identity file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"--identity {path}: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <summary>The identities in <paramref name="text"/>; <paramref name="path"/> names it in errors (never its content).</summary>
    public static IReadOnlyList<AgeIdentity> Parse(string text, string path)
    {
        if (text.Contains("-----BEGIN OPENSSH PRIVATE KEY-----", StringComparison.Ordinal))
        {
            return [OpenSshKey.Parse(text, path)];
        }

        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            throw new NkdumpException($"{path}: a PEM key nkdump does not read; give an age identity or an OpenSSH private key (ssh-keygen -p -f KEY converts older RSA keys)");
        }

        var identities = new List<AgeIdentity>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (Bech32.Decode(line) is not ("age-secret-key-", { Length: 32 } secret) || !line.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal))
            {
                throw new NkdumpException($"{path}:{lineNumber}: not an age identity (AGE-SECRET-KEY-1…)");
            }

            identities.Add(new X25519Identity(secret));
        }

        return identities.Count > 0 ? identities : throw new NkdumpException($"{path}: no identity in the file");
    }

    /// <summary>For tests and tools: a fresh X25519 identity and its "age1…" recipient.</summary>
    internal static (AgeIdentity Identity, string Secret, string Recipient) GenerateX25519()
    {
        var secret = AgeCrypto.Random(32);
        return (new X25519Identity(secret), Bech32.Encode("age-secret-key-", secret).ToUpperInvariant(), Bech32.Encode("age", AgeCrypto.X25519Base(secret)));
    }

    private protected static byte[] Decode(string argument, int length, string stanzaType) =>
        AgeBase64.Decode(argument) is { } bytes && bytes.Length == length
            ? bytes
            : throw new NkdumpException($"malformed {stanzaType} stanza: its share is not {length} bytes of canonical base64");

    private protected static void CheckBody(AgeStanza stanza)
    {
        if (stanza.Body.Length != AgeCrypto.FileKeySize + AgeCrypto.TagSize)
        {
            throw new NkdumpException($"malformed {stanza.Type} stanza: its body is {stanza.Body.Length} bytes, not {AgeCrypto.FileKeySize + AgeCrypto.TagSize}");
        }
    }
}

internal sealed class X25519Identity(byte[] secret) : AgeIdentity
{
    private readonly byte[] _public = AgeCrypto.X25519Base(secret);

    internal override byte[]? Unwrap(AgeStanza stanza)
    {
        if (stanza.Type != "X25519")
        {
            return null;
        }

        if (stanza.Arguments.Count != 1)
        {
            throw new NkdumpException("malformed X25519 stanza: it has not exactly one argument");
        }

        var share = Decode(stanza.Arguments[0], 32, "X25519");
        CheckBody(stanza);
        var shared = AgeCrypto.X25519(secret, share) ?? throw new NkdumpException("malformed X25519 stanza: its share is a low-order point");
        return AgeCrypto.UnwrapFileKey(AgeCrypto.Hkdf(shared, [.. share, .. _public], AgeRecipient.X25519Label), stanza.Body);
    }
}

internal sealed class SshEd25519Identity(byte[] seed, byte[] blob, byte[] montgomery) : AgeIdentity
{
    private readonly string _tag = AgeRecipient.SshTag(blob);

    internal override byte[]? Unwrap(AgeStanza stanza)
    {
        if (stanza.Type != "ssh-ed25519")
        {
            return null;
        }

        if (stanza.Arguments.Count != 2)
        {
            throw new NkdumpException("malformed ssh-ed25519 stanza: it has not exactly two arguments");
        }

        if (stanza.Arguments[0] != _tag)
        {
            return null;
        }

        var share = Decode(stanza.Arguments[1], 32, "ssh-ed25519");
        CheckBody(stanza);
        var scalar = AgeCrypto.Sha512(seed).AsSpan(0, 32);
        var shared = AgeCrypto.X25519(scalar, share) ?? throw new NkdumpException("malformed ssh-ed25519 stanza: its share is a low-order point");
        shared = AgeCrypto.X25519(AgeCrypto.Hkdf([], blob, AgeRecipient.Ed25519Label), shared);
        return shared is null ? null : AgeCrypto.UnwrapFileKey(AgeCrypto.Hkdf(shared, [.. share, .. montgomery], AgeRecipient.Ed25519Label), stanza.Body);
    }
}

internal sealed class SshRsaIdentity(byte[] blob, RsaPrivateCrtKeyParameters key) : AgeIdentity
{
    private readonly string _tag = AgeRecipient.SshTag(blob);

    internal override byte[]? Unwrap(AgeStanza stanza)
    {
        if (stanza.Type != "ssh-rsa")
        {
            return null;
        }

        if (stanza.Arguments.Count != 1)
        {
            throw new NkdumpException("malformed ssh-rsa stanza: it has not exactly one argument");
        }

        if (stanza.Arguments[0] != _tag)
        {
            return null;
        }

        var oaep = SshRsaRecipient.Oaep();
        oaep.Init(false, new ParametersWithRandom(key, new Org.BouncyCastle.Security.SecureRandom(new SystemRandom()))); // blinding
        try
        {
            var fileKey = oaep.ProcessBlock(stanza.Body, 0, stanza.Body.Length);
            return fileKey.Length == AgeCrypto.FileKeySize ? fileKey : null;
        }
        catch (InvalidCipherTextException)
        {
            return null;
        }
    }
}

/// <summary>OpenSSH's private key file ("openssh-key-v1"), unencrypted, one ed25519 or rsa key.</summary>
internal static class OpenSshKey
{
    private const string Begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string End = "-----END OPENSSH PRIVATE KEY-----";

    public static AgeIdentity Parse(string text, string path)
    {
        var start = text.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var end = text.IndexOf(End, start, StringComparison.Ordinal);
        byte[] bytes;
        try
        {
            bytes = end < 0 ? throw new FormatException() : Convert.FromBase64String(text[start..end]);
        }
        catch (FormatException)
        {
            throw new NkdumpException($"{path}: the OpenSSH private key is not valid base64 between its BEGIN and END lines");
        }

        var magic = "openssh-key-v1\0"u8;
        if (!bytes.AsSpan().StartsWith(magic))
        {
            throw new NkdumpException($"{path}: not an openssh-key-v1 private key");
        }

        var wire = new SshWire(bytes.AsSpan(magic.Length), path);
        var cipher = wire.Text();
        _ = wire.Text(); // kdf name
        _ = wire.String(); // kdf options
        if (cipher != "none")
        {
            throw new NkdumpException($"{path}: the ssh key is encrypted with a passphrase ({cipher}); nkdump reads only unencrypted keys (or give an age identity)");
        }

        if (wire.UInt32() != 1)
        {
            throw new NkdumpException($"{path}: the file holds more than one key");
        }

        var blob = wire.String().ToArray();
        var secret = new SshWire(wire.String(), path);
        if (secret.UInt32() != secret.UInt32())
        {
            throw new NkdumpException($"{path}: the private key's check numbers differ (a damaged or still encrypted key)");
        }

        var type = secret.Text();
        switch (type)
        {
            case "ssh-ed25519":
                var edPublic = secret.String();
                var edSecret = secret.String();
                if (edPublic.Length != 32 || edSecret.Length != 64)
                {
                    throw new NkdumpException($"{path}: malformed ssh-ed25519 private key");
                }

                return new SshEd25519Identity(edSecret[..32].ToArray(), blob, AgeRecipient.MontgomeryOf(edPublic, path));
            case "ssh-rsa":
                var n = secret.MpInt();
                var e = secret.MpInt();
                var d = secret.MpInt();
                var iqmp = secret.MpInt();
                var p = secret.MpInt();
                var q = secret.MpInt();
                return new SshRsaIdentity(blob, new RsaPrivateCrtKeyParameters(n, e, d, p, q, d.Mod(p.Subtract(BigInteger.One)), d.Mod(q.Subtract(BigInteger.One)), iqmp));
            default:
                throw new NkdumpException($"{path}: {type} keys are not age identities (ssh-ed25519 and ssh-rsa are)");
        }
    }
}
