namespace Nkdump.Formats.Codecs;

/// <summary>
/// For compressors that write into their own worst-case scratch buffer (their libraries want room for
/// incompressible input): the page's destination is only as large as the page, because a result that
/// does not shrink is stored raw.
/// </summary>
internal static class ScratchOutput
{
    /// <summary>Copies the first <paramref name="length"/> bytes of <paramref name="scratch"/> to <paramref name="destination"/> when they fit; else false and 0.</summary>
    public static bool CopyIfFits(byte[] scratch, int length, Span<byte> destination, out int written)
    {
        if (length > destination.Length)
        {
            written = 0;
            return false;
        }

        scratch.AsSpan(0, length).CopyTo(destination);
        written = length;
        return true;
    }
}
