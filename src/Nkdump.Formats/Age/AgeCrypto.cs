using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using CryptographicOperations = System.Security.Cryptography.CryptographicOperations;

namespace Nkdump.Formats.Age;

/// <summary>
/// The primitives the age format names, from BouncyCastle's managed code: .NET's own
/// ChaCha20-Poly1305, HKDF and HMAC load OpenSSL at run time on Linux, which the capture initramfs
/// does not carry, and .NET has no X25519. Randomness comes from the kernel (<see cref="SystemRandom"/>).
/// </summary>
internal static class AgeCrypto
{
    public const int FileKeySize = 16;
    public const int KeySize = 32;
    public const int TagSize = 16;

    /// <summary>HKDF-SHA-256 (RFC 5869); an empty <paramref name="salt"/> is the same as none.</summary>
    public static byte[] Hkdf(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> salt, string info, int length = KeySize)
    {
        var generator = new HkdfBytesGenerator(new Sha256Digest());
        generator.Init(new HkdfParameters(secret.ToArray(), salt.IsEmpty ? null : salt.ToArray(), System.Text.Encoding.ASCII.GetBytes(info)));
        var output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }

    public static byte[] HmacSha256(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        var mac = new HMac(new Sha256Digest());
        mac.Init(new KeyParameter(key));
        mac.BlockUpdate(message);
        var output = new byte[mac.GetMacSize()];
        mac.DoFinal(output, 0);
        return output;
    }

    public static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var digest = new Sha256Digest();
        digest.BlockUpdate(data);
        var output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] Sha512(ReadOnlySpan<byte> data)
    {
        var digest = new Sha512Digest();
        digest.BlockUpdate(data);
        var output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return output;
    }

    /// <summary>ChaCha20-Poly1305 sealing of <paramref name="plaintext"/> into <paramref name="output"/> (its length plus 16).</summary>
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        var aead = new ChaCha20Poly1305();
        aead.Init(true, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce.ToArray()));
        var written = aead.ProcessBytes(plaintext, output);
        aead.DoFinal(output[written..]);
    }

    /// <summary>Opens a ChaCha20-Poly1305 box into <paramref name="output"/>; false when it does not authenticate.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> sealedBox, Span<byte> output)
    {
        if (sealedBox.Length < TagSize)
        {
            return false;
        }

        var aead = new ChaCha20Poly1305();
        aead.Init(false, new AeadParameters(new KeyParameter(key), TagSize * 8, nonce.ToArray()));
        try
        {
            var written = aead.ProcessBytes(sealedBox, output);
            aead.DoFinal(output[written..]);
            return true;
        }
        catch (InvalidCipherTextException)
        {
            output[..(sealedBox.Length - TagSize)].Clear();
            return false;
        }
    }

    /// <summary>age's key wrapping: the file key sealed under <paramref name="key"/> with the all-zero nonce.</summary>
    public static byte[] WrapFileKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> fileKey)
    {
        var body = new byte[fileKey.Length + TagSize];
        Seal(key, stackalloc byte[12], fileKey, body);
        return body;
    }

    /// <summary>The file key from a stanza body; null when it does not open (or is not exactly 16 bytes sealed).</summary>
    public static byte[]? UnwrapFileKey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> body)
    {
        if (body.Length != FileKeySize + TagSize)
        {
            return null;
        }

        var fileKey = new byte[FileKeySize];
        return TryOpen(key, stackalloc byte[12], body, fileKey) ? fileKey : null;
    }

    public static byte[] Random(int length)
    {
        var bytes = new byte[length];
        SystemRandom.Fill(bytes);
        return bytes;
    }

    /// <summary>
    /// X25519 (RFC 7748) of <paramref name="scalar"/> and <paramref name="point"/>; null when the result
    /// is all zero (a low-order point), which age refuses.
    /// </summary>
    public static byte[]? X25519(ReadOnlySpan<byte> scalar, ReadOnlySpan<byte> point)
    {
        var shared = new byte[KeySize];
        try
        {
            new X25519PrivateKeyParameters(scalar).GenerateSecret(new X25519PublicKeyParameters(point), shared);
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        return shared.AsSpan().IndexOfAnyExcept((byte)0) < 0 ? null : shared;
    }

    /// <summary>X25519 of <paramref name="scalar"/> and the base point: a public key.</summary>
    public static byte[] X25519Base(ReadOnlySpan<byte> scalar)
    {
        var point = new byte[KeySize];
        new X25519PrivateKeyParameters(scalar).GeneratePublicKey().Encode(point);
        return point;
    }

    /// <summary>Constant-time comparison (the header MAC).</summary>
    public static bool Equal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);
}
