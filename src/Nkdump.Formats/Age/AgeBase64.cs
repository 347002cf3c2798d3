namespace Nkdump.Formats.Age;

/// <summary>
/// The base64 age uses: the standard alphabet without padding, canonical only (unused trailing bits
/// zero), and nothing but alphabet characters (.NET's decoder would skip white space and accept '=').
/// </summary>
internal static class AgeBase64
{
    public static string Encode(ReadOnlySpan<byte> data) => Convert.ToBase64String(data).TrimEnd('=');

    /// <summary>The bytes, or null when <paramref name="text"/> is not canonical unpadded base64.</summary>
    public static byte[]? Decode(string text)
    {
        if (text.Length % 4 == 1 || text.Any(c => !IsAlphabet(c)))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text + new string('=', (4 - (text.Length % 4)) % 4));
        }
        catch (FormatException)
        {
            return null;
        }

        // Non-canonical encodings (stray bits in the last character) decode too: refuse them.
        return Encode(bytes) == text ? bytes : null;
    }

    private static bool IsAlphabet(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';
}
