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

/// <summary>
/// Issue 17, finding 2: a bitmap's memory follows the bits set, not its size (a PT_LOAD at 2^48 made
/// max_pfn 2^36: 8 GiB per bitmap). The sparse bitmap must still answer exactly as a plain one.
/// </summary>
public sealed class SparsePfnBitmapTests
{
    [Fact]
    public void A_bitmap_of_2_to_the_33_frames_allocates_for_the_bits_set_not_for_its_size()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var bitmap = new PfnBitmap(1UL << 33);
        bitmap[0] = true;
        bitmap[(1UL << 32) + 12345] = true;
        bitmap[(1UL << 33) - 1] = true;
        bitmap.SetRange(1UL << 20, (1UL << 20) + 5000);

        // A run of 2^32 frames all set (a huge zero-filled ELF tail in the first bitmap) costs nothing either.
        bitmap.SetRange(1UL << 31, 3UL << 31);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");

        Assert.Equal(3 + 5000 + (1L << 32) - 1, bitmap.Count(0, bitmap.Bits));
        Assert.Equal(1UL << 20, bitmap.NextSet(1));
        Assert.Equal(1UL << 31, bitmap.NextSet((1UL << 20) + 5000));
        Assert.Equal((1UL << 33) - 1, bitmap.NextSet(3UL << 31));
        Assert.True(bitmap[(1UL << 32) + 12345]);
        Assert.False(bitmap[(1UL << 33) - 2]);

        // Clearing inside the run splits it without making the whole run dense.
        Assert.Equal(10, bitmap.ClearRange((1UL << 32) + 100, (1UL << 32) + 110));
        Assert.False(bitmap[(1UL << 32) + 105]);
        Assert.True(bitmap[(1UL << 32) + 110]);
        Assert.Equal(1L << 32, bitmap.ClearRange(1UL << 31, 3UL << 31) + 10 + 0);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal(3 + 5000 - 1, bitmap.Count(0, bitmap.Bits));
    }

    [Fact]
    public void Windows_copied_out_are_the_kdump_bitmap_bytes()
    {
        var bitmap = new PfnBitmap(100_000);
        var reference = new byte[(100_000 + 7) / 8];
        void Set(ulong pfn)
        {
            bitmap[pfn] = true;
            reference[pfn / 8] |= (byte)(1 << (int)(pfn % 8));
        }

        for (ulong pfn = 3; pfn < 100_000; pfn += 7)
        {
            Set(pfn);
        }

        bitmap.SetRange(40_960, 90_112);
        for (ulong pfn = 40_960; pfn < 90_112; pfn++)
        {
            reference[pfn / 8] |= (byte)(1 << (int)(pfn % 8));
        }

        foreach (var window in new[] { 8, 512, 4096, 12_500 })
        {
            var copied = new byte[reference.Length];
            for (var at = 0; at < reference.Length; at += window)
            {
                var length = Math.Min(window, reference.Length - at);
                copied.AsSpan(at, length).Fill(0xee);
                Assert.Equal(reference.AsSpan(at, length).IndexOfAnyExcept((byte)0) < 0, bitmap.IsClear((ulong)at * 8, (ulong)(at + length) * 8));
                bitmap.CopyTo((ulong)at * 8, copied.AsSpan(at, length));
            }

            Assert.Equal(reference, copied);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_operations_answer_as_a_plain_bitmap_does(int seed)
    {
        const int bits = 50_000;
        var random = new Random(seed);
        var bitmap = new PfnBitmap(bits);
        var plain = new bool[bits];
        for (var step = 0; step < 2000; step++)
        {
            var a = (ulong)random.Next(bits);
            var b = Math.Min(bits, a + (ulong)(random.Next(4) == 0 ? random.Next(bits) : random.Next(300)));
            switch (random.Next(6))
            {
                case 0:
                    bitmap.SetRange(a, b);
                    Array.Fill(plain, true, (int)a, (int)(b - a));
                    break;
                case 1:
                    var expected = plain.AsSpan((int)a, (int)(b - a)).Count(true);
                    Assert.Equal(expected, bitmap.ClearRange(a, b));
                    Array.Fill(plain, false, (int)a, (int)(b - a));
                    break;
                case 2:
                    var value = random.Next(2) == 0;
                    bitmap[a] = value;
                    plain[a] = value;
                    break;
                case 3:
                    Assert.Equal(plain.AsSpan((int)a, (int)(b - a)).Count(true), bitmap.Count(a, b));
                    break;
                case 4:
                    var next = Array.IndexOf(plain, true, (int)a);
                    Assert.Equal(next < 0 ? (ulong)bits : (ulong)next, bitmap.NextSet(a));
                    break;
                default:
                    Assert.Equal(plain[a], bitmap[a]);
                    break;
            }
        }

        for (ulong pfn = 0; pfn < bits; pfn++)
        {
            Assert.True(plain[pfn] == bitmap[pfn], $"bit {pfn}");
        }

        var bytes = new byte[(bits / 8) + 16];
        bitmap.CopyTo(bytes);
        for (var pfn = 0; pfn < bytes.Length * 8; pfn++)
        {
            Assert.True((pfn < bits && plain[pfn]) == ((bytes[pfn / 8] & (1 << (pfn % 8))) != 0), $"copied bit {pfn}");
        }
    }
}
