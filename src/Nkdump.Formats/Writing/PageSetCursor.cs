using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Writing;

/// <summary>
/// The pages a writer holds, in PFN order: the set bits of a bitmap in [start, end). Each page must
/// come exactly once and in order; a writer asks here before it places one.
/// </summary>
internal sealed class PageSetCursor
{
    private readonly PfnBitmap _set;
    private readonly ulong _end;

    public PageSetCursor(PfnBitmap set, ulong start, ulong end)
    {
        _set = set;
        _end = end;
        Count = set.Count(start, end);
        Next = Math.Min(set.NextSet(start), end);
    }

    /// <summary>How many pages the set holds.</summary>
    public long Count { get; }

    /// <summary>The PFN expected next; the range's end once every page came.</summary>
    public ulong Next { get; private set; }

    /// <summary>Takes <paramref name="pfn"/> as the next page, or throws when it is not the one expected.</summary>
    public void Accept(ulong pfn)
    {
        if (pfn != Next || pfn >= _end)
        {
            throw new InvalidOperationException($"page 0x{pfn:x} out of order: the next dumped PFN is 0x{Next:x}");
        }

        Next = Math.Min(_set.NextSet(pfn + 1), _end);
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
