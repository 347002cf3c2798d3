using System.Globalization;
using Nkdump.Collector.Filtering;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Testing;

namespace Nkdump.Collector.Tests;

/// <summary>
/// The oracle for page filtering: on every fixture and at each dump level, the page frames we keep
/// are exactly those the newest upstream makedumpfile keeps (expected/makedumpfile-upstream/pfns.dN.txt,
/// read from its output's bitmap2 with libkdumpfile). Debian's 1.7.2 is no oracle here: on 6.12 its
/// -d 8 drops slab pages (fixtures README).
/// </summary>
public class FilteringFixtureTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Fixtures.Names)
        {
            foreach (var level in new[] { 1, 2, 4, 8, 16, 31 })
            {
                if (File.Exists(Fixtures.Expected(name, $"makedumpfile-upstream/pfns.d{level}.txt")))
                {
                    data.Add(name, level);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KeptFramesEqualUpstreamMakedumpfile(string fixture, int level)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var kernel = KernelContext.Open(dump.Memory, dump.VmcoreInfo);
        var info = dump.VmcoreInfo!;
        var maxPfn = dump.Memory.MaxPfn;
        var sections = MemMapLocator.Locate(kernel.Memory, info, maxPfn);
        var classifier = new PageClassifier(StructPageLayout.FromVmcoreInfo(info), (DumpLevel)level);
        var filter = new PageFilter(kernel.Memory, sections, classifier, zeroPagesHaveNoData: true);
        var keep = new PfnBitmap(maxPfn);

        // Several windows, as the collector fills them, must give the same set as one.
        const ulong window = 40 * PageFilter.BatchPages;
        for (ulong start = 0; start < maxPfn; start += window)
        {
            filter.Fill(keep, start, start + window);
        }


        var expected = File.ReadAllLines(Fixtures.Expected(fixture, $"makedumpfile-upstream/pfns.d{level}.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('-'))
            .Select(p => (ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(p[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .ToList();
        var actual = Ranges(keep).ToList();
        Assert.Equal(0UL, filter.Statistics.UnreadableStructPages);
        Assert.Equal(Format(expected), Format(actual));
    }

    private static IEnumerable<(ulong First, ulong Last)> Ranges(PfnBitmap bitmap)
    {
        for (var first = bitmap.NextSet(0); first < bitmap.Bits;)
        {
            var last = first;
            while (last + 1 < bitmap.Bits && bitmap[last + 1])
            {
                last++;
            }

            yield return (first, last);
            first = bitmap.NextSet(last + 1);
        }
    }

    private static string Format(IEnumerable<(ulong First, ulong Last)> ranges) =>
        string.Join('\n', ranges.Select(r => $"{r.First:x}-{r.Last:x}"));
}
