using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Writing;

/// <summary>
/// The pages a writer holds: the set bits of a bitmap in [start, end). Each page must come exactly
/// once; a writer asks here before it places one, and learns the page's index in the set (its
/// descriptor's place in a kdump-compressed file). In order (the default) every page must be the
/// one expected next. In any order (a dump written most important pages first, in several passes of
/// increasing PFNs) a page may come whenever it is in the set and did not come before.
/// </summary>
internal sealed class PageSetCursor
{
    private readonly PfnBitmap _set;
    private readonly ulong _start;
    private readonly ulong _end;

    // Any order only: the pages that came, and the last one with its index (a pass of increasing
    // PFNs counts only the bits between two pages).
    private readonly PfnBitmap? _came;
    private ulong _lastPfn;
    private long _lastIndex = -1;

    public PageSetCursor(PfnBitmap set, ulong start, ulong end, bool anyOrder = false)
    {
        _set = set;
        _start = start;
        _end = end;
        Count = set.Count(start, end);
        Next = Math.Min(set.NextSet(start), end);
        _came = anyOrder ? new PfnBitmap(set.Bits) : null;
    }

    /// <summary>How many pages the set holds.</summary>
    public long Count { get; }

    /// <summary>The PFN expected next in PFN order; the range's end once every page came (in order).</summary>
    public ulong Next { get; private set; }

    /// <summary>
    /// Takes <paramref name="pfn"/> as the next page and returns its index in the set, or throws when
    /// it is not the one expected (in order) or not in the set or already taken (any order).
    /// </summary>
    public long Accept(ulong pfn)
    {
        if (_came is null)
        {
            if (pfn != Next || pfn >= _end)
            {
                throw new InvalidOperationException($"page 0x{pfn:x} out of order: the next dumped PFN is 0x{Next:x}");
            }

            Next = Math.Min(_set.NextSet(pfn + 1), _end);
            return ++_lastIndex;
        }

        if (pfn < _start || pfn >= _end || !_set[pfn] || _came[pfn])
        {
            throw new InvalidOperationException($"page 0x{pfn:x} is not in the dump's page set or came twice");
        }

        var index = pfn == Next ? _lastIndex + 1
            : _lastIndex >= 0 && pfn > _lastPfn ? _lastIndex + 1 + _set.Count(_lastPfn + 1, pfn)
            : _set.Count(_start, pfn);
        _came[pfn] = true;
        _lastPfn = pfn;
        _lastIndex = index;
        Next = Math.Min(_set.NextSet(pfn + 1), _end);
        return index;
    }
}

/// <summary>The checks every writer makes on encoded pages before it writes any of them.</summary>
internal static class EncodedPages
{
    /// <summary>Throws unless <paramref name="length"/> bytes are a valid <paramref name="encoding"/> of one page for the writer.</summary>
    public static void Check(PageEncoding encoding, int length, int pageSize, PageCompression compression)
    {
        var valid = encoding switch
        {
            PageEncoding.Zero => length == 0,
            PageEncoding.Raw => length == pageSize,
            PageEncoding.Compressed => compression != PageCompression.None && length > 0 && length <= pageSize,
            _ => false,
        };
        if (!valid)
        {
            throw new ArgumentException($"a {encoding} page of {length} bytes does not fit this file (pages of {pageSize} bytes, compression {compression})", nameof(length));
        }
    }

    /// <summary>Checks a run (<see cref="IDumpWriter.WritePages"/>) as a whole: returns nothing, throws before anything is written.</summary>
    public static void CheckRun(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data, int pageSize, PageCompression compression)
    {
        if (encodings.Length != pfns.Length || lengths.Length != pfns.Length)
        {
            throw new ArgumentException("a run needs one encoding and one length per page", nameof(lengths));
        }

        var total = 0L;
        for (var i = 0; i < pfns.Length; i++)
        {
            Check(encodings[i], lengths[i], pageSize, compression);
            total += lengths[i];
        }

        if (total != data.Length)
        {
            throw new ArgumentException($"the run's pages hold {total} bytes, not {data.Length}", nameof(data));
        }
    }
}
