using System.Text;

namespace Nkdump.Formats.Age;

/// <summary>
/// The text header of an age file (age-encryption.org/v1): the version line, the recipient stanzas,
/// and "--- " with the HMAC-SHA-256 of everything before the space, keyed from the file key. Parsing
/// is as strict as age's reference reader: a header it would refuse is refused here.
/// </summary>
internal sealed class AgeHeader
{
    public const string VersionLine = "age-encryption.org/v1";
    public const int ColumnsPerLine = 64;

    /// <summary>A header longer than this is not one nkdump wrote or would take (a few recipients need a few KiB).</summary>
    public const int MaxLength = 1 << 20;

    private AgeHeader(IReadOnlyList<AgeStanza> stanzas, int macInputLength, byte[] mac, int length)
    {
        Stanzas = stanzas;
        MacInputLength = macInputLength;
        Mac = mac;
        Length = length;
    }

    public IReadOnlyList<AgeStanza> Stanzas { get; }

    /// <summary>Bytes the MAC covers: from the start up to and including "---".</summary>
    public int MacInputLength { get; }

    public byte[] Mac { get; }

    /// <summary>The header's length with the MAC line's newline: where the payload nonce starts.</summary>
    public int Length { get; }

    /// <summary>The whole header for <paramref name="stanzas"/>, MAC included.</summary>
    public static byte[] Encode(IEnumerable<AgeStanza> stanzas, ReadOnlySpan<byte> fileKey)
    {
        var text = new StringBuilder(VersionLine).Append('\n');
        foreach (var stanza in stanzas)
        {
            text.Append(stanza.Encode());
        }

        text.Append("---");
        var covered = Encoding.ASCII.GetBytes(text.ToString());
        var mac = ComputeMac(fileKey, covered);
        return [.. covered, .. Encoding.ASCII.GetBytes(" " + AgeBase64.Encode(mac) + "\n")];
    }

    public static byte[] ComputeMac(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> covered) =>
        AgeCrypto.HmacSha256(AgeCrypto.Hkdf(fileKey, [], "header"), covered);

    /// <summary>True when <paramref name="head"/> starts like an age file.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith("age-encryption.org/"u8);

    /// <summary>Parses the header at the start of <paramref name="bytes"/>; the error names <paramref name="path"/> and the byte offset.</summary>
    public static AgeHeader Parse(byte[] bytes, string path)
    {
        var at = 0;
        string NextLine()
        {
            var end = bytes.AsSpan(at).IndexOf((byte)'\n');
            if (end < 0)
            {
                throw Bad(path, at, bytes.Length >= MaxLength ? $"no end of the header in its first {MaxLength} bytes" : "the file ends inside the header");
            }

            var line = bytes.AsSpan(at, end);
            if (line.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7e) >= 0)
            {
                throw Bad(path, at, "a header line holds a byte that is not printable ASCII");
            }

            at += end + 1;
            return Encoding.ASCII.GetString(line);
        }

        if (NextLine() != VersionLine)
        {
            throw Bad(path, 0, $"not an {VersionLine} file (unsupported age version)");
        }

        var stanzas = new List<AgeStanza>();
        while (true)
        {
            var lineStart = at;
            var line = NextLine();
            if (line.StartsWith("---", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                var mac = parts.Length == 2 && parts[0] == "---" ? AgeBase64.Decode(parts[1]) : null;
                if (mac is not { Length: 32 })
                {
                    throw Bad(path, lineStart, "malformed header MAC line");
                }

                return new AgeHeader(stanzas, lineStart + 3, mac, at);
            }

            if (!line.StartsWith("-> ", StringComparison.Ordinal))
            {
                throw Bad(path, lineStart, "expected a recipient stanza (\"-> \") or the MAC line (\"--- \")");
            }

            var arguments = line[3..].Split(' ');
            if (arguments.Any(a => a.Length == 0))
            {
                throw Bad(path, lineStart, "empty argument in a recipient stanza");
            }

            var body = new StringBuilder();
            while (true)
            {
                var bodyAt = at;
                var bodyLine = NextLine();
                if (bodyLine.Length > ColumnsPerLine || AgeBase64.Decode(bodyLine) is null)
                {
                    throw Bad(path, bodyAt, "malformed stanza body line");
                }

                body.Append(bodyLine);
                if (bodyLine.Length < ColumnsPerLine)
                {
                    break;
                }
            }

            stanzas.Add(new AgeStanza(arguments[0], arguments[1..], AgeBase64.Decode(body.ToString())
                ?? throw Bad(path, lineStart, "malformed stanza body")));
        }
    }

    private static DumpFormatException Bad(string path, long offset, string message) => new(path, offset, $"age header: {message}");
}
