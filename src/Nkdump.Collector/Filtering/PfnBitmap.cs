using System.Numerics;

namespace Nkdump.Collector.Filtering;

/// <summary>One bit per page frame in the window [StartPfn, StartPfn + Count).</summary>
public sealed class PfnBitmap
{
    private readonly ulong[] _words;

    public PfnBitmap(ulong startPfn, ulong count)
    {
        StartPfn = startPfn;
        Count = count;
        _words = new ulong[checked((int)((count + 63) / 64))];
    }

    public ulong StartPfn { get; }

    public ulong Count { get; }

    public ulong EndPfn => StartPfn + Count;

    public bool Get(ulong pfn) => pfn >= StartPfn && pfn < EndPfn && (_words[(pfn - StartPfn) >> 6] & (1UL << (int)((pfn - StartPfn) & 63))) != 0;

    public void Set(ulong pfn)
    {
        var i = pfn - StartPfn;
        _words[i >> 6] |= 1UL << (int)(i & 63);
    }

    public void Clear(ulong pfn)
    {
        var i = pfn - StartPfn;
        _words[i >> 6] &= ~(1UL << (int)(i & 63));
    }

    /// <summary>Sets every bit in [start, end) clipped to the window.</summary>
    public void SetRange(ulong start, ulong end)
    {
        start = Math.Max(start, StartPfn);
        end = Math.Min(end, EndPfn);
        for (var pfn = start; pfn < end; pfn++)
        {
            if (((pfn - StartPfn) & 63) == 0 && pfn + 64 <= end)
            {
                _words[(pfn - StartPfn) >> 6] = ulong.MaxValue;
                pfn += 63;
                continue;
            }

            Set(pfn);
        }
    }

    public ulong PopCount()
    {
        ulong total = 0;
        foreach (var word in _words)
        {
            total += (ulong)BitOperations.PopCount(word);
        }

        return total;
    }

    /// <summary>The set bits as inclusive ranges of page frame numbers, in order.</summary>
    public IEnumerable<(ulong First, ulong Last)> Ranges()
    {
        ulong? first = null;
        for (var pfn = StartPfn; pfn < EndPfn; pfn++)
        {
            var set = Get(pfn);
            if (set && first is null)
            {
                first = pfn;
            }
            else if (!set && first is { } f)
            {
                yield return (f, pfn - 1);
                first = null;
            }
        }

        if (first is { } last)
        {
            yield return (last, EndPfn - 1);
        }
    }
}
