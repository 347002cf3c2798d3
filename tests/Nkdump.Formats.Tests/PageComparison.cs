using Nkdump.Formats;

namespace Nkdump.Formats.Tests;

/// <summary>Compares two dumps of the same capture page by page.</summary>
internal static class PageComparison
{
    /// <summary>
    /// Every page <paramref name="subset"/> holds (present or zero) must be in <paramref name="full"/>
    /// with identical bytes, and every page of <paramref name="full"/> must be known to <paramref name="subset"/>
    /// (held or excluded). Returns how many pages were compared.
    /// </summary>
    public static long AssertSubsetEqual(IPhysicalMemory full, IPhysicalMemory subset)
    {
        Assert.Equal(full.PageSize, subset.PageSize);
        var a = new byte[full.PageSize];
        var b = new byte[full.PageSize];
        long compared = 0;
        var max = Math.Max(full.MaxPfn, subset.MaxPfn);
        for (ulong pfn = 0; pfn < max; pfn++)
        {
            var fullState = full.GetPageState(pfn);
            var subState = subset.GetPageState(pfn);
            if (subState is PageState.Present or PageState.Zero)
            {
                Assert.True(fullState is PageState.Present or PageState.Zero, $"pfn 0x{pfn:x}: {subState} in the subset but {fullState} in the full dump");
                var address = pfn * (ulong)full.PageSize;
                Assert.True(full.TryRead(address, a, out var f1), f1.ToString());
                Assert.True(subset.TryRead(address, b, out var f2), f2.ToString());
                if (!a.AsSpan().SequenceEqual(b))
                {
                    Assert.Fail($"pfn 0x{pfn:x}: page bytes differ");
                }

                if (subState == PageState.Zero)
                {
                    Assert.True(b.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"pfn 0x{pfn:x}: zero page with data");
                }

                compared++;
            }
            else if (fullState is PageState.Present or PageState.Zero)
            {
                Assert.True(subState == PageState.Excluded, $"pfn 0x{pfn:x}: {fullState} in the full dump but {subState} in the subset");
            }
        }

        return compared;
    }
}
