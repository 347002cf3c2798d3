using System.Globalization;

namespace Nkdump.Config.Crashkernel;

/// <summary>
/// The kernel's memparse (lib/cmdline.c): an unsigned number in C's base-0 notation (0x… hex,
/// 0… octal, else decimal) followed by an optional K, M, G, T, P or E (either case), each a
/// factor of 1024. Unlike the kernel, overflow is an error rather than a silent wrap.
/// </summary>
public static class MemorySize
{
    /// <summary>
    /// Reads a size at <paramref name="pos"/>; advances it past the number and suffix. Returns null
    /// (and leaves <paramref name="pos"/>) when no digit is there; throws on overflow.
    /// </summary>
    public static ulong? TryRead(string text, ref int pos, Func<int, string, Exception> error)
    {
        var start = pos;
        var i = pos;
        var radix = 10;
        if (i < text.Length && text[i] == '0')
        {
            if (i + 2 < text.Length && (text[i + 1] is 'x' or 'X') && char.IsAsciiHexDigit(text[i + 2]))
            {
                radix = 16;
                i += 2;
            }
            else
            {
                radix = 8;
            }
        }

        ulong value = 0;
        var digits = 0;
        for (; i < text.Length; i++)
        {
            var digit = DigitValue(text[i]);
            if (digit < 0 || digit >= radix)
            {
                break;
            }

            value = checked(value * (ulong)radix + (ulong)digit);
            digits++;
        }

        if (digits == 0)
        {
            return null;
        }

        var shift = i < text.Length ? char.ToUpperInvariant(text[i]) switch
        {
            'K' => 10,
            'M' => 20,
            'G' => 30,
            'T' => 40,
            'P' => 50,
            'E' => 60,
            _ => 0,
        } : 0;
        if (shift > 0)
        {
            i++;
            if (value > (ulong.MaxValue >> shift))
            {
                throw error(start, $"'{text[start..i]}' is too large");
            }

            value <<= shift;
        }

        pos = i;
        return value;
    }

    /// <summary>Parses a whole string as a size ("8G", "512M", "0x1000"); throws FormatException otherwise.</summary>
    public static ulong Parse(string text)
    {
        var pos = 0;
        ulong? value;
        try
        {
            value = TryRead(text, ref pos, (_, m) => new FormatException(m));
        }
        catch (OverflowException)
        {
            throw new FormatException($"'{text}' is too large");
        }

        if (value is null || pos != text.Length)
        {
            throw new FormatException($"'{text}' is not a size like 8G, 512M or 1073741824");
        }

        return value.Value;
    }

    /// <summary>A size in the largest unit that divides it exactly: 256M, 2G, 1536K, 100.</summary>
    public static string Format(ulong bytes)
    {
        string[] units = ["", "K", "M", "G", "T", "P", "E"];
        var unit = 0;
        while (bytes != 0 && unit < units.Length - 1 && bytes % 1024 == 0)
        {
            bytes /= 1024;
            unit++;
        }

        return bytes.ToString(CultureInfo.InvariantCulture) + units[unit];
    }

    /// <summary>For people: exact units when they fit ("256M"), else one decimal ("23.9G").</summary>
    public static string Human(ulong bytes)
    {
        var exact = Format(bytes);
        if (exact.Length <= 6 || bytes < 1024)
        {
            return exact;
        }

        string[] units = ["K", "M", "G", "T", "P", "E"];
        var value = bytes / 1024.0;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + units[unit];
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
