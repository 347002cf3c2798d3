using System.Buffers.Binary;

namespace Nkdump.Formats.Age;

/// <summary>
/// Reads the SSH wire encoding (RFC 4251: uint32, length-prefixed strings, mpints) of public key
/// blobs and of OpenSSH's private key format; every length is checked against what is left.
/// </summary>
internal ref struct SshWire(ReadOnlySpan<byte> bytes, string what)
{
    private ReadOnlySpan<byte> _rest = bytes;

    public readonly bool AtEnd => _rest.IsEmpty;

    public uint UInt32()
    {
        if (_rest.Length < 4)
        {
            throw Malformed();
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(_rest);
        _rest = _rest[4..];
        return value;
    }

    public ReadOnlySpan<byte> String()
    {
        var length = UInt32();
        if (length > (uint)_rest.Length)
        {
            throw Malformed();
        }

        var value = _rest[..(int)length];
        _rest = _rest[(int)length..];
        return value;
    }

    public string Text() => System.Text.Encoding.ASCII.GetString(String());

    /// <summary>A non-negative mpint as a BouncyCastle number.</summary>
    public Org.BouncyCastle.Math.BigInteger MpInt()
    {
        var bytes = String();
        if (bytes.Length > 0 && (bytes[0] & 0x80) != 0)
        {
            throw Malformed();
        }

        return new Org.BouncyCastle.Math.BigInteger(1, bytes.ToArray());
    }

    private readonly NkdumpException Malformed() => new($"{what}: malformed (a length runs past the end, or a negative number)");

    /// <summary>The wire encoding of a string, for building blobs.</summary>
    public static byte[] EncodeString(ReadOnlySpan<byte> value)
    {
        var output = new byte[4 + value.Length];
        BinaryPrimitives.WriteUInt32BigEndian(output, (uint)value.Length);
        value.CopyTo(output.AsSpan(4));
        return output;
    }
}
