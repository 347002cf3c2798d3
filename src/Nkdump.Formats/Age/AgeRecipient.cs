using System.Numerics;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Parameters;

namespace Nkdump.Formats.Age;

/// <summary>
/// Whom a dump is encrypted to, spelled as the age tool takes it (<c>age -r</c>): an age X25519
/// public key ("age1…"), or an OpenSSH public key line ("ssh-ed25519 AAAA… comment",
/// "ssh-rsa AAAA…", at least 2048 bits). Only public keys: this is what the capture initramfs holds.
/// </summary>
public abstract class AgeRecipient
{
    internal const string X25519Label = "age-encryption.org/v1/X25519";
    internal const string Ed25519Label = "age-encryption.org/v1/ssh-ed25519";
    internal const string RsaLabel = "age-encryption.org/v1/ssh-rsa";

    private protected AgeRecipient(string text) => Text = text;

    /// <summary>The recipient as it was given.</summary>
    public string Text { get; }

    /// <summary>A stanza that gives <paramref name="fileKey"/> to this recipient only.</summary>
    internal abstract AgeStanza Wrap(ReadOnlySpan<byte> fileKey);

    /// <summary>Parses one recipient; the error says what is wrong with it.</summary>
    public static AgeRecipient Parse(string text)
    {
        var trimmed = text.Trim();
        if (IsSecretKey(trimmed))
        {
            throw new NkdumpException(SecretKeyMessage);
        }

        if (trimmed.StartsWith("age1", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = Bech32.Decode(trimmed);
            if (decoded is not ("age", { Length: 32 } key))
            {
                throw new NkdumpException($"'{trimmed}': not a valid age X25519 recipient (bad Bech32 or length)");
            }

            return new X25519Recipient(trimmed, key);
        }

        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length >= 2 && fields[0] is "ssh-ed25519" or "ssh-rsa")
        {
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[1]);
            }
            catch (FormatException)
            {
                throw new NkdumpException($"'{fields[0]} {fields[1]}': the key is not base64");
            }

            return fields[0] == "ssh-ed25519" ? SshEd25519Recipient.FromBlob(trimmed, blob) : SshRsaRecipient.FromBlob(trimmed, blob);
        }

        throw new NkdumpException($"'{Shorten(trimmed)}': not an age recipient (age1…) nor an ssh-ed25519 or ssh-rsa public key");
    }

    /// <summary>The fingerprint tag ssh stanzas carry: base64 of the first 4 bytes of SHA-256 of the key blob.</summary>
    internal static string SshTag(ReadOnlySpan<byte> blob) => AgeBase64.Encode(AgeCrypto.Sha256(blob).AsSpan(0, 4));

    /// <summary>An Ed25519 public key as the X25519 (Montgomery u) public key of the same secret: u = (1 + y) / (1 - y) mod p.</summary>
    internal static byte[] MontgomeryOf(ReadOnlySpan<byte> edwards, string what)
    {
        try
        {
            _ = new Ed25519PublicKeyParameters(edwards);
        }
        catch (ArgumentException)
        {
            throw new NkdumpException($"{what}: not a point of Ed25519");
        }

        var p = (BigInteger.One << 255) - 19;
        var yBytes = edwards.ToArray();
        yBytes[31] &= 0x7f;
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false);
        var denominator = ((BigInteger.One - y) % p + p) % p;
        if (y >= p || denominator.IsZero)
        {
            throw new NkdumpException($"{what}: not a usable Ed25519 public key");
        }

        var u = (BigInteger.One + y) * BigInteger.ModPow(denominator, p - 2, p) % p;
        var output = new byte[32];
        u.TryWriteBytes(output, out _, isUnsigned: true, isBigEndian: false);
        return output;
    }

    /// <summary>The refusal of a secret key where a public one belongs; it never repeats the key.</summary>
    public const string SecretKeyMessage = "an age SECRET key was given where a recipient (public key) belongs: give its public key (age-keygen -y FILE), and treat the secret key as exposed";

    /// <summary>True for what looks like a private key (an age identity, a PEM block): never echoed in messages.</summary>
    public static bool IsSecretKey(string text) =>
        text.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase) || text.Contains("PRIVATE KEY", StringComparison.Ordinal);

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}

internal sealed class X25519Recipient(string text, byte[] publicKey) : AgeRecipient(text)
{
    internal override AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var ephemeral = AgeCrypto.Random(32);
        var share = AgeCrypto.X25519Base(ephemeral);
        var shared = AgeCrypto.X25519(ephemeral, publicKey) ?? throw new NkdumpException($"'{Text}': a low-order point, not a usable key");
        var key = AgeCrypto.Hkdf(shared, [.. share, .. publicKey], X25519Label);
        return new AgeStanza("X25519", [AgeBase64.Encode(share)], AgeCrypto.WrapFileKey(key, fileKey));
    }
}

internal sealed class SshEd25519Recipient : AgeRecipient
{
    private readonly byte[] _blob;
    private readonly byte[] _montgomery;

    private SshEd25519Recipient(string text, byte[] blob, byte[] montgomery)
        : base(text)
    {
        _blob = blob;
        _montgomery = montgomery;
    }

    public static SshEd25519Recipient FromBlob(string text, byte[] blob)
    {
        var wire = new SshWire(blob, "ssh-ed25519 key");
        if (wire.Text() != "ssh-ed25519")
        {
            throw new NkdumpException("ssh-ed25519 key: the key blob names another key type");
        }

        var key = wire.String();
        if (key.Length != 32 || !wire.AtEnd)
        {
            throw new NkdumpException("ssh-ed25519 key: not a 32-byte key");
        }

        return new SshEd25519Recipient(text, blob, MontgomeryOf(key, "ssh-ed25519 key"));
    }

    internal override AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var ephemeral = AgeCrypto.Random(32);
        var share = AgeCrypto.X25519Base(ephemeral);
        var shared = AgeCrypto.X25519(ephemeral, _montgomery) ?? throw new NkdumpException($"'{Text}': a low-order point, not a usable key");
        var tweak = AgeCrypto.Hkdf([], _blob, Ed25519Label);
        shared = AgeCrypto.X25519(tweak, shared) ?? throw new NkdumpException($"'{Text}': key agreement failed");
        var key = AgeCrypto.Hkdf(shared, [.. share, .. _montgomery], Ed25519Label);
        return new AgeStanza("ssh-ed25519", [SshTag(_blob), AgeBase64.Encode(share)], AgeCrypto.WrapFileKey(key, fileKey));
    }
}

internal sealed class SshRsaRecipient : AgeRecipient
{
    private const int MinimumBits = 2048;
    private readonly byte[] _blob;
    private readonly BigInteger _modulus;
    private readonly BigInteger _exponent;

    private SshRsaRecipient(string text, byte[] blob, BigInteger modulus, BigInteger exponent)
        : base(text)
    {
        _blob = blob;
        _modulus = modulus;
        _exponent = exponent;
    }

    public static SshRsaRecipient FromBlob(string text, byte[] blob)
    {
        var wire = new SshWire(blob, "ssh-rsa key");
        if (wire.Text() != "ssh-rsa")
        {
            throw new NkdumpException("ssh-rsa key: the key blob names another key type");
        }

        var exponent = wire.MpInt();
        var modulus = wire.MpInt();
        if (modulus.BitLength < MinimumBits)
        {
            throw new NkdumpException($"ssh-rsa key: {modulus.BitLength} bits; age takes RSA keys of {MinimumBits} bits or more");
        }

        // System.Numerics, not BouncyCastle's RsaKeyParameters: its modulus check draws on a
        // SecureRandom, which seeds itself from OpenSSL (see OaepEncrypt).
        return new SshRsaRecipient(text, blob, new BigInteger(modulus.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true),
            new BigInteger(exponent.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true));
    }

    internal override AgeStanza Wrap(ReadOnlySpan<byte> fileKey) => new("ssh-rsa", [SshTag(_blob)], OaepEncrypt(fileKey));

    /// <summary>
    /// RSAES-OAEP encryption (RFC 8017 7.1.1; SHA-256 and MGF1-SHA-256, age's label), RSAEP by
    /// BigInteger.ModPow (public key: no secret to leak by timing). Not BouncyCastle's OaepEncoding: it draws its seed from a SecureRandom, and that class
    /// seeds itself from .NET's RandomNumberGenerator, i.e. OpenSSL, which the capture kernel lacks.
    /// </summary>
    private byte[] OaepEncrypt(ReadOnlySpan<byte> message)
    {
        const int hashLength = 32;
        var k = (int)((_modulus.GetBitLength() + 7) / 8);
        var encoded = new byte[k]; // 0x00 || maskedSeed || maskedDB
        var seed = encoded.AsSpan(1, hashLength);
        var db = encoded.AsSpan(1 + hashLength);
        AgeCrypto.Sha256(System.Text.Encoding.ASCII.GetBytes(RsaLabel)).CopyTo(db);
        db[db.Length - message.Length - 1] = 0x01;
        message.CopyTo(db[(db.Length - message.Length)..]);
        SystemRandom.Fill(seed);
        Xor(db, Mgf1(seed, db.Length));
        Xor(seed, Mgf1(db, hashLength));
        var m = new BigInteger(encoded, isUnsigned: true, isBigEndian: true);
        var c = BigInteger.ModPow(m, _exponent, _modulus).ToByteArray(isUnsigned: true, isBigEndian: true);
        var output = new byte[k];
        c.CopyTo(output, k - c.Length);
        return output;
    }

    private static byte[] Mgf1(ReadOnlySpan<byte> seed, int length)
    {
        var mask = new byte[length];
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input);
        for (var (at, counter) = (0, 0u); at < length; at += 32, counter++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(seed.Length), counter);
            var block = AgeCrypto.Sha256(input);
            block.AsSpan(0, Math.Min(32, length - at)).CopyTo(mask.AsSpan(at));
        }

        return mask;
    }

    private static void Xor(Span<byte> target, ReadOnlySpan<byte> mask)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] ^= mask[i];
        }
    }

    /// <summary>RSA-OAEP with SHA-256 (hash and MGF1) and age's label.</summary>
    internal static OaepEncoding Oaep() =>
        new(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(), new Sha256Digest(), new Sha256Digest(), System.Text.Encoding.ASCII.GetBytes(RsaLabel));
}
