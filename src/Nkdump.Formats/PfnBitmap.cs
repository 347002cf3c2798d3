using System.Buffers.Binary;
using System.Numerics;

namespace Nkdump.Formats;

/// <summary>
/// A set of page frame numbers as a bitmap (bit n = PFN n), the in-memory form of the kdump
/// bitmaps: the collector fills one for "memory exists" and one for "page is dumped".
/// </summary>
public sealed class PfnBitmap
{
    private readonly ulong[] _words;

    public PfnBitmap(ulong bits)
    {
        if (bits > 1UL << 40)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "more page frames than 52-bit physical memory has");
        }

        Bits = bits;
        _words = new ulong[(bits + 63) / 64];
    }

    public ulong Bits { get; }

    public bool this[ulong pfn]
    {
        get => pfn < Bits && (_words[pfn >> 6] & (1UL << (int)(pfn & 63))) != 0;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(pfn, Bits);
            if (value)
            {
                _words[pfn >> 6] |= 1UL << (int)(pfn & 63);
            }
            else
            {
                _words[pfn >> 6] &= ~(1UL << (int)(pfn & 63));
            }
        }
    }

    /// <summary>Sets every bit in [start, end).</summary>
    public void SetRange(ulong start, ulong end)
    {
        end = Math.Min(end, Bits);
        var pfn = start;
        for (; pfn < end && (pfn & 63) != 0; pfn++)
        {
            this[pfn] = true;
        }

        for (; pfn + 64 <= end; pfn += 64)
        {
            _words[pfn >> 6] = ulong.MaxValue;
        }

        for (; pfn < end; pfn++)
        {
            this[pfn] = true;
        }
    }

    /// <summary>Clears every bit in [start, end); returns how many were set.</summary>
    public long ClearRange(ulong start, ulong end)
    {
        end = Math.Min(end, Bits);
        long cleared = 0;
        var pfn = start;
        for (; pfn < end && (pfn & 63) != 0; pfn++)
        {
            cleared += ClearOne(pfn);
        }

        for (; pfn + 64 <= end; pfn += 64)
        {
            cleared += BitOperations.PopCount(_words[pfn >> 6]);
            _words[pfn >> 6] = 0;
        }

        for (; pfn < end; pfn++)
        {
            cleared += ClearOne(pfn);
        }

        return cleared;
    }

    private int ClearOne(ulong pfn)
    {
        var was = this[pfn];
        this[pfn] = false;
        return was ? 1 : 0;
    }

    /// <summary>How many bits are set in [start, end).</summary>
    public long Count(ulong start, ulong end)
    {
        end = Math.Min(end, Bits);
        long count = 0;
        var pfn = start;
        for (; pfn < end && (pfn & 63) != 0; pfn++)
        {
            count += this[pfn] ? 1 : 0;
        }

        for (; pfn + 64 <= end; pfn += 64)
        {
            count += BitOperations.PopCount(_words[pfn >> 6]);
        }

        for (; pfn < end; pfn++)
        {
            count += this[pfn] ? 1 : 0;
        }

        return count;
    }

    /// <summary>The first set bit at or after <paramref name="from"/>, or <see cref="Bits"/> when none.</summary>
    public ulong NextSet(ulong from)
    {
        if (from >= Bits)
        {
            return Bits;
        }

        var word = from >> 6;
        var value = _words[word] & (ulong.MaxValue << (int)(from & 63));
        while (true)
        {
            if (value != 0)
            {
                return Math.Min(Bits, (word << 6) + (ulong)BitOperations.TrailingZeroCount(value));
            }

            if (++word >= (ulong)_words.Length)
            {
                return Bits;
            }

            value = _words[word];
        }
    }

    /// <summary>Writes the bitmap in the kdump on-disk order (little-endian words) into <paramref name="destination"/>, zero-padded.</summary>
    public void CopyTo(Span<byte> destination)
    {
        destination.Clear();
        Span<byte> last = stackalloc byte[8];
        for (var i = 0; i < _words.Length && (i * 8) < destination.Length; i++)
        {
            if ((i * 8) + 8 <= destination.Length)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], _words[i]);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(last, _words[i]);
                last[..(destination.Length - (i * 8))].CopyTo(destination[(i * 8)..]);
            }
        }
    }
}
