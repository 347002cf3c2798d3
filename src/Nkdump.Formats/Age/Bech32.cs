namespace Nkdump.Formats.Age;

/// <summary>
/// Bech32 (BIP 173, the original checksum constant 1), as age spells its keys: "age1…" recipients and
/// "AGE-SECRET-KEY-1…" identities. age sets no 90-character limit; a string is all lower or all upper case.
/// </summary>
internal static class Bech32
{
    private const string Alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    public static string Encode(string hrp, ReadOnlySpan<byte> data)
    {
        var values = ConvertBits(data, 8, 5, pad: true) ?? throw new ArgumentException("bad data", nameof(data));
        var checksum = Checksum(hrp, values);
        var text = new System.Text.StringBuilder(hrp.Length + 1 + values.Count + 6);
        text.Append(hrp).Append('1');
        foreach (var v in values.Concat(checksum))
        {
            text.Append(Alphabet[v]);
        }

        return text.ToString();
    }

    /// <summary>The human-readable part (lower case) and the data, or null when <paramref name="text"/> is not valid Bech32.</summary>
    public static (string Hrp, byte[] Data)? Decode(string text)
    {
        if (text.Length < 8 || (text.ToLowerInvariant() != text && text.ToUpperInvariant() != text))
        {
            return null;
        }

        var lower = text.ToLowerInvariant();
        var separator = lower.LastIndexOf('1');
        if (separator < 1 || separator + 7 > lower.Length || lower.Any(c => c < 33 || c > 126))
        {
            return null;
        }

        var hrp = lower[..separator];
        var values = new List<byte>();
        foreach (var c in lower[(separator + 1)..])
        {
            var v = Alphabet.IndexOf(c);
            if (v < 0)
            {
                return null;
            }

            values.Add((byte)v);
        }

        if (Polymod(ExpandHrp(hrp).Concat(values)) != 1)
        {
            return null;
        }

        var data = ConvertBits(values.Take(values.Count - 6).ToArray(), 5, 8, pad: false);
        return data is null ? null : (hrp, data.ToArray());
    }

    private static IEnumerable<byte> ExpandHrp(string hrp) =>
        hrp.Select(c => (byte)(c >> 5)).Append((byte)0).Concat(hrp.Select(c => (byte)(c & 31)));

    private static uint Polymod(IEnumerable<byte> values)
    {
        uint[] generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
        uint check = 1;
        foreach (var v in values)
        {
            var top = check >> 25;
            check = ((check & 0x1ffffff) << 5) ^ v;
            for (var i = 0; i < 5; i++)
            {
                if (((top >> i) & 1) != 0)
                {
                    check ^= generator[i];
                }
            }
        }

        return check;
    }

    private static byte[] Checksum(string hrp, IReadOnlyList<byte> values)
    {
        var mod = Polymod(ExpandHrp(hrp).Concat(values).Concat(new byte[6])) ^ 1;
        var checksum = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            checksum[i] = (byte)((mod >> (5 * (5 - i))) & 31);
        }

        return checksum;
    }

    /// <summary>Regroups bits (8 to 5 or 5 to 8); null when the padding is not zero or too long.</summary>
    private static List<byte>? ConvertBits(ReadOnlySpan<byte> data, int from, int to, bool pad)
    {
        var result = new List<byte>();
        int accumulator = 0, bits = 0;
        var max = (1 << to) - 1;
        foreach (var value in data)
        {
            accumulator = (accumulator << from) | value;
            bits += from;
            while (bits >= to)
            {
                bits -= to;
                result.Add((byte)((accumulator >> bits) & max));
            }
        }

        if (pad)
        {
            if (bits > 0)
            {
                result.Add((byte)((accumulator << (to - bits)) & max));
            }
        }
        else if (bits >= from || ((accumulator << (to - bits)) & max) != 0)
        {
            return null;
        }

        return result;
    }
}
