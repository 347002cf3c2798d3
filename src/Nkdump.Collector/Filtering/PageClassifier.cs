using System.Buffers.Binary;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// Decides from a page's struct page whether the dump level excludes it, and how many page frames
/// that decision covers (a free buddy block or a compound page is decided at its head). The rules
/// follow makedumpfile's __exclude_unnecessary_pages(), in the same order, because our dumps must
/// hold the same pages as makedumpfile's: free first, then cache, private cache, user data, then
/// the always-excluded hardware-poisoned and offline pages.
/// </summary>
public sealed class PageClassifier(StructPageLayout layout, DumpLevel level)
{
    /// <summary>Sentinel for "this compound page is hugetlb" on kernels that mark it by type (6.6+).</summary>
    private const long HugetlbByType = -1;

    private const ulong PageMappingAnon = 1;

    public StructPageLayout Layout { get; } = layout;

    public DumpLevel Level { get; } = level;

    /// <summary>
    /// Classifies the page at <paramref name="index"/> in <paramref name="pages"/> (consecutive struct
    /// pages starting at some pfn; the next struct page is needed for compound heads and is used
    /// when present). <paramref name="count"/> receives how many frames from <paramref name="pfn"/>
    /// the class applies to (1 or a power of two).
    /// </summary>
    public PageClass Classify(ReadOnlySpan<byte> pages, int index, ulong pfn, out int count)
    {
        count = 1;
        var size = Layout.Size;
        var page = pages.Slice(index * size, size);
        var flags = U64(page, Layout.FlagsOffset);
        var mapping = U64(page, Layout.MappingOffset);
        var mapcount = Layout.MapcountOffset is { } mo ? (int)U32(page, mo) : 0;
        var priv = Layout.PrivateOffset is { } po ? U64(page, po) : 0;

        // Tail pages point at their head with bit 0 set; the head already decided for them.
        if (Layout.CompoundHeadOffset is { } ho && (U64(page, ho) & 1) != 0)
        {
            return PageClass.CompoundTail;
        }

        var order = 0;
        long dtor = 0;
        var next = (index + 1) * size;
        if ((flags & Layout.PgHeadMask) != 0 && next + size <= pages.Length)
        {
            (order, dtor) = CompoundOrderAndDtor(pages.Slice(next, size), mapcount);

            // An order that does not fit or a head that is not aligned to it is not a real compound head.
            // makedumpfile's bound is 64, but its 1 << order is an int, as our count is: from 31 on it
            // wraps (order 31 at pfn 0 would read as minus 2^31 frames and exclude everything after).
            // No kernel makes compound pages anywhere near 2^31 frames (8 TiB); x86's largest is order 18.
            if (order >= 31 || (pfn & ((1UL << order) - 1)) != 0)
            {
                order = 0;
            }
        }

        var slab = IsSlab(flags, mapcount);
        var anon = (mapping & PageMappingAnon) != 0 && !slab;
        if (Level.HasFlag(DumpLevel.Free) && IsBuddy(flags, mapcount, slab))
        {
            // page.private holds the buddy block's order.
            if (Layout.FreeAreaLength is { } areas && priv >= (ulong)areas)
            {
                return PageClass.Kept;
            }

            count = priv < 31 ? 1 << (int)priv : 1;
            return PageClass.Free;
        }

        if (Level.HasFlag(DumpLevel.Free) && Layout.UnacceptedMapcountValue is { } unaccepted && mapcount == unaccepted)
        {
            // Unaccepted memory is listed only in blocks of the largest order (mm/page_alloc.c).
            count = Layout.FreeAreaLength is { } areas and > 0 and < 32 ? 1 << (areas - 1) : 1;
            return PageClass.Free;
        }

        var cache = IsCachePage(flags);
        var isPrivate = Test(flags, Layout.PgPrivate);
        if (Level.HasFlag(DumpLevel.CacheNonPrivate) && cache && !isPrivate && !anon)
        {
            count = 1 << order;
            return PageClass.Cache;
        }

        if (Level.HasFlag(DumpLevel.CachePrivate) && cache && !anon)
        {
            count = 1 << order;
            return isPrivate ? PageClass.CachePrivate : PageClass.Cache;
        }

        if (Level.HasFlag(DumpLevel.User) && (anon || IsHugetlb(dtor)))
        {
            count = 1 << order;
            return PageClass.User;
        }

        if (Test(flags, Layout.PgHwPoison))
        {
            count = 1 << order;
            return PageClass.HwPoison;
        }

        if (Layout.OfflineMapcountValue is { } offline && !slab && mapcount == offline)
        {
            count = 1 << order;
            return PageClass.Offline;
        }

        return PageClass.Kept;
    }

    private (int Order, long Dtor) CompoundOrderAndDtor(ReadOnlySpan<byte> firstTail, int headMapcount)
    {
        // 6.9+: hugetlb is a page type of the head (commit d99e3140a4d3); the order is the low byte of
        // the first tail page's flags (folio._flags_1).
        if (Layout.HugetlbMapcountValue is { } hugetlbType)
        {
            var order = (int)(U64(firstTail, Layout.FlagsOffset) & 0xff);
            return (order, headMapcount == hugetlbType ? HugetlbByType : 0);
        }

        // 6.6 to 6.8: PG_hugetlb in folio._flags_1.
        if (Layout.PgHugetlb is { } pgHugetlb)
        {
            var flags1 = U64(firstTail, Layout.FlagsOffset);
            return ((int)(flags1 & 0xff), (flags1 & (1UL << pgHugetlb)) != 0 ? HugetlbByType : 0);
        }

        var newLayout = Layout.KernelVersion.Major > 4 || (Layout.KernelVersion.Major == 4 && Layout.KernelVersion.Minor >= 16);
        var oldIds = Layout.KernelVersion.Major == 4 && Layout.KernelVersion.Minor >= 4;
        var orderValue = 0;
        if (Layout.CompoundOrderOffset is { } oo)
        {
            orderValue = newLayout ? firstTail[oo] : BinaryPrimitives.ReadUInt16LittleEndian(firstTail[oo..]);
        }

        long dtorValue = 0;
        if (Layout.CompoundDtorOffset is { } doff)
        {
            // The destructor became an id in 4.4 (a byte since 4.16); before, it was a function address.
            dtorValue = newLayout ? firstTail[doff]
                : oldIds ? BinaryPrimitives.ReadUInt16LittleEndian(firstTail[doff..])
                : (long)U64(firstTail, doff);
        }

        return (orderValue, dtorValue);
    }

    private bool IsSlab(ulong flags, int mapcount)
    {
        // 6.10+: slab is a page type (PAGE_SLAB_MAPCOUNT_VALUE); before, the PG_slab flag.
        if (Layout.SlabMapcountValue is { } slabType && mapcount == slabType)
        {
            return true;
        }

        return Test(flags, Layout.PgSlab);
    }

    private bool IsBuddy(ulong flags, int mapcount, bool slab)
    {
        if (Layout.PrivateOffset is null)
        {
            return false;
        }

        if (Layout.BuddyMapcountValue is { } buddy && Layout.MapcountOffset is not null)
        {
            return !slab && mapcount == buddy;
        }

        // 2.6.17 to 2.6.37 had a PG_buddy flag.
        return Test(flags, Layout.PgBuddy);
    }

    private bool IsCachePage(ulong flags)
    {
        if (Test(flags, Layout.PgLru))
        {
            return true;
        }

        // PG_swapcache means swap cache only with PG_swapbacked (4.10+ reuses the bit otherwise).
        return (Layout.PgSwapBacked is null || Test(flags, Layout.PgSwapBacked)) && Test(flags, Layout.PgSwapCache);
    }

    private bool IsHugetlb(long dtor) =>
        dtor == HugetlbByType
        || (Layout.HugetlbPageDtor is { } id && id == dtor && dtor != 0)
        || (Layout.FreeHugePageSymbol is { } symbol && (ulong)dtor == symbol);

    private static bool Test(ulong flags, int? bit) => bit is >= 0 and < 64 && (flags & (1UL << bit.Value)) != 0;

    private static ulong U64(ReadOnlySpan<byte> page, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(page[offset..]);

    private static uint U32(ReadOnlySpan<byte> page, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(page[offset..]);
}
