namespace Nkdump.Formats.Tests;

/// <summary>
/// Lists the match codes of an LZO1X stream (as LZO1X-1 writes it: no M1 codes), so a test can
/// show which encodings its input reached. Decoding itself is liblzo2's job in the tests.
/// </summary>
internal static class Lzo1xStream
{
    /// <summary>One match: its kind (2, 3 or 4 for M2, M3, M4), distance back and length.</summary>
    public readonly record struct Match(int Kind, int Offset, int Length);

    public static List<Match> Matches(ReadOnlySpan<byte> stream)
    {
        var matches = new List<Match>();
        var ip = 0;

        // A first byte above 17 is a literal run of byte - 17. After any literal run a match follows.
        var mustMatch = false;
        if (stream[0] > 17)
        {
            ip += stream[ip++] - 17;
            mustMatch = true;
        }

        while (true)
        {
            int code = stream[ip++];
            if (code < 16)
            {
                Assert.False(mustMatch, $"an M1 code or a literal run at {ip - 1}, where LZO1X-1 writes a match");
                var literals = (code == 0 ? Extended(stream, ref ip, 15) : code) + 3;
                ip += literals;
                mustMatch = true;
                continue;
            }

            int kind, offset, length, trailing;
            if (code >= 64)
            {
                kind = 2;
                length = (code >> 5) + 1;
                offset = ((code >> 2) & 7) + (stream[ip++] << 3) + 1;
                trailing = code & 3;
            }
            else
            {
                kind = code >= 32 ? 3 : 4;
                var lengthBits = code & (kind == 3 ? 31 : 7);
                length = (lengthBits == 0 ? Extended(stream, ref ip, kind == 3 ? 31 : 7) : lengthBits) + 2;
                var word = stream[ip] | (stream[ip + 1] << 8);
                ip += 2;
                trailing = word & 3;
                offset = kind == 3 ? (word >> 2) + 1 : 0x4000 + ((code & 8) << 11) + (word >> 2);
                if (kind == 4 && offset == 0x4000)
                {
                    Assert.Equal(stream.Length, ip);
                    return matches;
                }
            }

            matches.Add(new Match(kind, offset, length));
            ip += trailing;
            mustMatch = trailing > 0;
        }
    }

    /// <summary>A length field of 0: one zero byte per 255, then a non-zero byte, plus <paramref name="bias"/>.</summary>
    private static int Extended(ReadOnlySpan<byte> stream, ref int ip, int bias)
    {
        var length = bias;
        while (stream[ip] == 0)
        {
            length += 255;
            ip++;
        }

        return length + stream[ip++];
    }
}
