using Nkdump.Formats;

namespace Nkdump.Formats.Tests;

public sealed class PfnBitmapTests
{
    [Fact]
    public void SetRange_sets_exactly_the_range_across_word_boundaries()
    {
        foreach (var (start, end) in new (ulong, ulong)[] { (0, 0), (0, 1), (3, 64), (63, 65), (64, 128), (5, 300), (100, 1000), (190, 200) })
        {
            var bitmap = new PfnBitmap(1000);
            bitmap.SetRange(start, end);
            for (ulong pfn = 0; pfn < 1000; pfn++)
            {
                Assert.True(bitmap[pfn] == (pfn >= start && pfn < end), $"[{start}, {end}): bit {pfn}");
            }

            Assert.Equal((long)(end - start), bitmap.Count(0, 1000));
        }
    }

    [Fact]
    public void ClearRange_clears_exactly_the_range_and_counts_the_bits_that_were_set()
    {
        foreach (var (start, end) in new (ulong, ulong)[] { (0, 0), (0, 1), (3, 64), (63, 65), (64, 128), (5, 300), (100, 1000), (190, 200), (990, 2000) })
        {
            // Every third bit set, so the count differs from the range's length.
            var bitmap = new PfnBitmap(1000);
            for (ulong pfn = 0; pfn < 1000; pfn += 3)
            {
                bitmap[pfn] = true;
            }

            var setBefore = bitmap.Count(start, end);
            Assert.Equal(setBefore, bitmap.ClearRange(start, end));
            for (ulong pfn = 0; pfn < 1000; pfn++)
            {
                Assert.True(bitmap[pfn] == (pfn % 3 == 0 && (pfn < start || pfn >= end)), $"[{start}, {end}): bit {pfn}");
            }
        }
    }
}
