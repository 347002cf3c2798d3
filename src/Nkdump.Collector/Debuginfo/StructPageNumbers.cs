using Nkdump.Kernel.Btf;

namespace Nkdump.Collector.Debuginfo;

/// <summary>
/// The NUMBER() entries about struct page: page flag bits from BTF's enum pageflags, and the page
/// types, which are preprocessor macros before 6.12 and so are not in BTF; those come from the
/// kernel version, as page-flags.h defined them.
/// </summary>
internal static class StructPageNumbers
{
    private static readonly string[] Flags = ["PG_lru", "PG_private", "PG_swapcache", "PG_swapbacked", "PG_slab", "PG_hwpoison", "PG_hugetlb", "PG_buddy"];

    /// <summary>Page types whose values VMCOREINFO exports as NUMBER(PAGE_x_MAPCOUNT_VALUE).</summary>
    private static readonly (string Type, string Number)[] PageTypes =
    [
        ("buddy", "PAGE_BUDDY_MAPCOUNT_VALUE"), ("offline", "PAGE_OFFLINE_MAPCOUNT_VALUE"), ("slab", "PAGE_SLAB_MAPCOUNT_VALUE"),
        ("hugetlb", "PAGE_HUGETLB_MAPCOUNT_VALUE"), ("unaccepted", "PAGE_UNACCEPTED_MAPCOUNT_VALUE"),
    ];

    public static void Add(EntryWriter entries, BtfTypes types, (int Major, int Minor) version)
    {
        var pageflags = Enumerators(types, "pageflags")
            ?? throw new Nkdump.Formats.NkdumpException("the vmlinux's BTF has no enum pageflags");
        foreach (var flag in Flags)
        {
            if (pageflags.TryGetValue(flag, out var bit))
            {
                entries.Number(flag, bit);
            }
        }

        if (pageflags.TryGetValue("PG_head", out var head))
        {
            entries.Number("PG_head_mask", 1L << (int)head);
        }

        // enum compound_dtor_id (until 6.8, when hugetlb became a page type): HUGETLB_PAGE_DTOR.
        if (Enumerators(types, "compound_dtor_id") is { } dtors && dtors.TryGetValue("HUGETLB_PAGE_DTOR", out var dtor))
        {
            entries.Number("HUGETLB_PAGE_DTOR", dtor);
        }

        var pagetype = Enumerators(types, "pagetype");
        foreach (var (type, number) in PageTypes)
        {
            if (PageTypeValue(pagetype, type, version) is { } value)
            {
                entries.Number(number, value);
            }
        }
    }

    /// <summary>
    /// The value of a page type's _mapcount/page_type word. 6.12+ (commit 4ffca5a96678, "mm: support
    /// only one page_type per page"): enum pagetype's PGTY_x in the top byte. Before, a cleared bit
    /// in an all-ones word: ~PG_x, from enum pagetype where BTF has one, or else page-flags.h's
    /// defines since 4.18 ("mm: split page_type out from _mapcount"): PG_buddy 0x80, and PG_offline
    /// 0x100 since 5.0 ("mm: convert PG_balloon to PG_offline"). Null when the kernel has no such type.
    /// </summary>
    private static long? PageTypeValue(Dictionary<string, long>? pagetype, string type, (int Major, int Minor) version)
    {
        if (pagetype is not null && pagetype.TryGetValue("PGTY_" + type, out var top))
        {
            return unchecked((int)((uint)top << 24));
        }

        if (pagetype is not null && pagetype.TryGetValue("PG_" + type, out var bit))
        {
            return ~bit;
        }

        if (pagetype is not null)
        {
            return null;
        }

        return type switch
        {
            "buddy" => ~0x80L,
            "offline" when version.CompareTo((5, 0)) >= 0 => ~0x100L,
            _ => null,
        };
    }

    private static Dictionary<string, long>? Enumerators(BtfTypes types, string name) =>
        (types.Find(name, BtfKind.Enum) ?? types.Find(name, BtfKind.Enum64))?.Enumerators
            .GroupBy(e => e.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
}
