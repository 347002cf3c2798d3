using System.Numerics;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats;

/// <summary>
/// A set of page frame numbers (bit n = PFN n), the in-memory form of the kdump bitmaps: the collector
/// fills one for "memory exists" and one for "page is dumped".
/// <para>
/// Sparse, so that memory follows the bits set and not <see cref="Bits"/> (issue 17: one PT_LOAD at
/// 2^48 made max_pfn 2^36, 8 GiB per plain bitmap). Frames are grouped in chunks of 4096 (512 bytes
/// of bits, 16 MiB of memory): a chunk is allocated when a bit in it is first set, a chunk with no
/// bit set takes nothing, and a run of chunks that are all set (a range set whole, such as a large
/// zero-filled ELF tail) is one entry without storage, split only where a bit in it is cleared.
/// </para>
/// Readers may share a bitmap between threads; a change needs it to itself.
/// </summary>
public sealed partial class PfnBitmap
{
    private const int ChunkShift = 12;
    private const ulong ChunkBits = 1UL << ChunkShift;
    private const int WordsPerChunk = (int)(ChunkBits / 64);

    public PfnBitmap(ulong bits)
    {
        if (bits > InputLimits.Dump.PageFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"more page frames than {InputLimits.Dump.PageFrames} (52-bit physical addresses)");
        }

        Bits = bits;
    }

    public ulong Bits { get; }

    public bool this[ulong pfn]
    {
        get
        {
            if (pfn >= Bits)
            {
                return false;
            }

            var i = Find(pfn >> ChunkShift);
            return i >= 0 && (_words[i] is not { } words || (words[WordIn(pfn)] & Mask(pfn)) != 0);
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(pfn, Bits);
            if (value)
            {
                SetInChunk(pfn, pfn + 1);
            }
            else
            {
                ClearInChunk(pfn, pfn + 1);
            }
        }
    }

    /// <summary>Sets every bit in [start, end).</summary>
    public void SetRange(ulong start, ulong end)
    {
        end = Math.Min(end, Bits);
        if (start >= end)
        {
            return;
        }

        // Whole chunks become one all-set run; the chunks at either end are set bit by bit.
        var firstWhole = (start + ChunkBits - 1) >> ChunkShift;
        var endWhole = end >> ChunkShift;
        if (firstWhole >= endWhole)
        {
            for (var at = start; at < end; at = NextChunkStart(at))
            {
                SetInChunk(at, Math.Min(end, NextChunkStart(at)));
            }

            return;
        }

        if (start < firstWhole << ChunkShift)
        {
            SetInChunk(start, firstWhole << ChunkShift);
        }

        SetWholeChunks(firstWhole, endWhole);
        if (end > endWhole << ChunkShift)
        {
            SetInChunk(endWhole << ChunkShift, end);
        }
    }

    /// <summary>Clears every bit in [start, end); returns how many were set.</summary>
    public long ClearRange(ulong start, ulong end)
    {
        end = Math.Min(end, Bits);
        if (start >= end)
        {
            return 0;
        }

        var firstWhole = (start + ChunkBits - 1) >> ChunkShift;
        var endWhole = end >> ChunkShift;
        if (firstWhole >= endWhole)
        {
            long cleared = 0;
            for (var at = start; at < end; at = NextChunkStart(at))
            {
                cleared += ClearInChunk(at, Math.Min(end, NextChunkStart(at)));
            }

            return cleared;
        }

        var count = start < firstWhole << ChunkShift ? ClearInChunk(start, firstWhole << ChunkShift) : 0;
        count += ClearWholeChunks(firstWhole, endWhole);
        if (end > endWhole << ChunkShift)
        {
            count += ClearInChunk(endWhole << ChunkShift, end);
        }

        return count;
    }

    /// <summary>How many bits are set in [start, end).</summary>
    public long Count(ulong start, ulong end)
    {
        end = Math.Min(end, Bits);
        long count = 0;
        for (var i = FirstEndingAfter(start >> ChunkShift); i < _count && _first[i] << ChunkShift < end; i++)
        {
            var from = Math.Max(start, _first[i] << ChunkShift);
            var to = Math.Min(end, (_first[i] + _length[i]) << ChunkShift);
            if (from < to)
            {
                count += _words[i] is { } words ? CountIn(words, Offset(from), (int)(to - from)) : (long)(to - from);
            }
        }

        return count;
    }

    /// <summary>True when no bit is set in [start, end).</summary>
    public bool IsClear(ulong start, ulong end) => NextSet(start) >= Math.Min(end, Bits);

    /// <summary>The first set bit at or after <paramref name="from"/>, or <see cref="Bits"/> when none.</summary>
    public ulong NextSet(ulong from)
    {
        if (from >= Bits)
        {
            return Bits;
        }

        for (var i = FirstEndingAfter(from >> ChunkShift); i < _count; i++)
        {
            var at = Math.Max(from, _first[i] << ChunkShift);
            if (_words[i] is not { } words)
            {
                return at;
            }

            var found = NextIn(words, Offset(at));
            if (found >= 0)
            {
                return (_first[i] << ChunkShift) + (ulong)found;
            }
        }

        return Bits;
    }

    /// <summary>
    /// Writes bits [<paramref name="first"/>, first + 8 × length) in the kdump on-disk order (bit n of
    /// the file's bitmap is bit n % 8 of byte n / 8) into <paramref name="destination"/>; bits past
    /// <see cref="Bits"/> are zeros. <paramref name="first"/> is a multiple of 8, so a caller can write a
    /// bitmap of any size in windows of bounded memory.
    /// </summary>
    public void CopyTo(ulong first, Span<byte> destination)
    {
        if (first % 8 != 0)
        {
            throw new ArgumentException("a window starts on a byte boundary (a multiple of 8 frames)", nameof(first));
        }

        destination.Clear();
        var end = first + ((ulong)destination.Length * 8);
        for (var i = FirstEndingAfter(first >> ChunkShift); i < _count && _first[i] << ChunkShift < end; i++)
        {
            // Chunks start on multiples of 4096 frames and the window on a multiple of 8: every overlap is whole bytes.
            var from = Math.Max(first, _first[i] << ChunkShift);
            var to = Math.Min(end, (_first[i] + _length[i]) << ChunkShift);
            var bytes = destination.Slice((int)((from - first) / 8), (int)((to - from) / 8));
            if (_words[i] is not { } words)
            {
                bytes.Fill(0xff);
                continue;
            }

            var bit = Offset(from);
            for (var b = 0; b < bytes.Length; b++, bit += 8)
            {
                bytes[b] = (byte)(words[bit >> 6] >> (bit & 63));
            }
        }
    }

    /// <summary>The whole bitmap in the kdump on-disk order, zero-padded: <see cref="CopyTo(ulong, Span{byte})"/> from 0.</summary>
    public void CopyTo(Span<byte> destination) => CopyTo(0, destination);

    private static ulong NextChunkStart(ulong pfn) => ((pfn >> ChunkShift) + 1) << ChunkShift;

    private static int Offset(ulong pfn) => (int)(pfn & (ChunkBits - 1));

    private static int WordIn(ulong pfn) => (int)((pfn >> 6) & (WordsPerChunk - 1));

    private static ulong Mask(ulong pfn) => 1UL << (int)(pfn & 63);

    /// <summary>Sets [start, end), inside one chunk.</summary>
    private void SetInChunk(ulong start, ulong end)
    {
        var chunk = start >> ChunkShift;
        var i = Find(chunk);
        if (i < 0)
        {
            i = ~i;
            Insert(i, chunk, 1, new ulong[WordsPerChunk]);
        }

        if (_words[i] is { } words)
        {
            for (int offset = Offset(start), length = (int)(end - start); length > 0;)
            {
                var n = Math.Min(length, 64 - (offset & 63));
                words[offset >> 6] |= MaskAt(offset, n);
                offset += n;
                length -= n;
            }
        }
    }

    /// <summary>Clears [start, end), inside one chunk; returns how many bits were set. A chunk left empty is freed.</summary>
    private long ClearInChunk(ulong start, ulong end)
    {
        var chunk = start >> ChunkShift;
        var i = Find(chunk);
        if (i < 0)
        {
            return 0;
        }

        var words = _words[i] ?? SplitOut(ref i, chunk);
        long cleared = 0;
        for (int offset = Offset(start), length = (int)(end - start); length > 0;)
        {
            var n = Math.Min(length, 64 - (offset & 63));
            var mask = MaskAt(offset, n);
            cleared += BitOperations.PopCount(words[offset >> 6] & mask);
            words[offset >> 6] &= ~mask;
            offset += n;
            length -= n;
        }

        if (words.AsSpan().IndexOfAnyExcept(0UL) < 0)
        {
            Remove(i, 1);
        }

        return cleared;
    }

    /// <summary>The mask of <paramref name="count"/> bits from bit <paramref name="offset"/> % 64 of a word (count ≤ 64 - that).</summary>
    private static ulong MaskAt(int offset, int count) => count == 64 ? ulong.MaxValue : ((1UL << count) - 1) << (offset & 63);

    private static long CountIn(ulong[] words, int offset, int length)
    {
        long count = 0;
        while (length > 0)
        {
            var n = Math.Min(length, 64 - (offset & 63));
            count += BitOperations.PopCount(words[offset >> 6] & MaskAt(offset, n));
            offset += n;
            length -= n;
        }

        return count;
    }

    /// <summary>The first set bit of a chunk at or after <paramref name="offset"/>, or -1.</summary>
    private static int NextIn(ulong[] words, int offset)
    {
        var w = offset >> 6;
        var value = words[w] & (ulong.MaxValue << (offset & 63));
        while (value == 0)
        {
            if (++w == WordsPerChunk)
            {
                return -1;
            }

            value = words[w];
        }

        return (w << 6) + BitOperations.TrailingZeroCount(value);
    }
}
