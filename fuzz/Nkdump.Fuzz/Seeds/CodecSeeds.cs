using Nkdump.Formats.Codecs;

namespace Nkdump.Fuzz.Seeds;

/// <summary>Seeds of the page-codecs target: real pages compressed by each codec, a zero page, a patterned one.</summary>
internal static class CodecSeeds
{
    public static IEnumerable<Seed> All(SeedSource source)
    {
        var pages = source.Dump.Pages.Take(3).Append(new byte[4096]).Append(Enumerable.Range(0, 4096).Select(i => (byte)(i / 64)).ToArray()).ToArray();
        PageCompression[] kinds = [PageCompression.Zlib, PageCompression.Lzo, PageCompression.Snappy, PageCompression.Zstd];
        foreach (var kind in kinds)
        {
            using var compressor = PageCodecs.CreateCompressor(kind, 4096);
            var packed = new byte[8192];
            for (var i = 0; i < pages.Length; i++)
            {
                if (compressor.TryCompress(pages[i], packed, out var written))
                {
                    // The first byte selects the codec: 0 zlib, 1 lzo, 2 snappy, 3 zstd (CodecTarget).
                    yield return new Seed($"{PageCodecs.Name(kind)}-{i}", [(byte)((int)kind - 1), .. packed.AsSpan(0, written)]);
                }
            }
        }
    }
}
