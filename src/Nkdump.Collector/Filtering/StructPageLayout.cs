using System.Globalization;
using Nkdump.Formats;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// Where the fields of struct page sit and what the page-flag and page-type numbers mean on the
/// crashed kernel, all taken from its VMCOREINFO (kernel/vmcore_info.c, crash_save_vmcoreinfo_init).
/// Optional fields are null when the kernel does not export them; the classifier then skips the
/// test that needs them, as makedumpfile does.
/// </summary>
public sealed record StructPageLayout
{
    public required int Size { get; init; }
    public required int FlagsOffset { get; init; }
    public required int RefcountOffset { get; init; }
    public required int MappingOffset { get; init; }
    public int? MapcountOffset { get; init; }
    public int? PrivateOffset { get; init; }

    /// <summary>
    /// The word whose bit 0 marks a tail page of a compound page: page.compound_head (4.4+), named
    /// page.compound_info on 7.x, where a tail's word may be a mask instead of the head's address
    /// (see <see cref="FromVmcoreInfo"/>); only bit 0 is used.
    /// </summary>
    public int? CompoundHeadOffset { get; init; }

    /// <summary>Offset of the compound order byte relative to the head's first tail page (the next struct page).</summary>
    public int? CompoundOrderOffset { get; init; }

    /// <summary>Offset of the compound destructor id relative to the first tail page (before 6.6).</summary>
    public int? CompoundDtorOffset { get; init; }

    public int? PgLru { get; init; }
    public int? PgPrivate { get; init; }
    public int? PgSwapCache { get; init; }
    public int? PgSwapBacked { get; init; }
    public int? PgSlab { get; init; }
    public int? PgHwPoison { get; init; }
    public int? PgHugetlb { get; init; }
    public int? PgBuddy { get; init; }
    public ulong PgHeadMask { get; init; }

    // Page types, stored in the _mapcount/page_type word (kernel 4.x+: negative values;
    // 6.12+: the type is the word's top byte, commit 4ffca5a96678 "mm: support only one page_type per page").
    public int? BuddyMapcountValue { get; init; }
    public int? SlabMapcountValue { get; init; }
    public int? OfflineMapcountValue { get; init; }
    public int? UnacceptedMapcountValue { get; init; }
    public int? HugetlbMapcountValue { get; init; }

    public long? HugetlbPageDtor { get; init; }
    public ulong? FreeHugePageSymbol { get; init; }

    /// <summary>LENGTH(zone.free_area): MAX_ORDER + 1, bounds a free block's order.</summary>
    public int? FreeAreaLength { get; init; }

    /// <summary>Kernel version from OSRELEASE, as (major, minor).</summary>
    public (int Major, int Minor) KernelVersion { get; init; }

    /// <summary>Reads the layout from VMCOREINFO; fails naming every key that filtering cannot do without.</summary>
    public static StructPageLayout FromVmcoreInfo(VmcoreInfo info)
    {
        var missing = new List<string>();
        int Required(long? value, string key)
        {
            if (value is null)
            {
                missing.Add(key);
                return 0;
            }

            return checked((int)value.Value);
        }

        var size = Required(info.Size("page"), "SIZE(page)");
        var flags = Required(info.Offset("page.flags"), "OFFSET(page.flags)");
        var refcount = Required(info.Offset("page._refcount") ?? info.Offset("page._count"), "OFFSET(page._refcount)");
        var mapping = Required(info.Offset("page.mapping"), "OFFSET(page.mapping)");
        if (missing.Count > 0)
        {
            throw new NkdumpException("VMCOREINFO lacks what page filtering needs: " + string.Join(", ", missing));
        }

        if (size < 32 || size > 256)
        {
            throw new NkdumpException($"VMCOREINFO gives an implausible SIZE(page) of {size}");
        }

        var version = ParseVersion(info.OsRelease);
        var lru = Int(info.Offset("page.lru"));
        var listPrev = Int(info.Offset("list_head.prev"));
        var listNext = Int(info.Offset("list_head.next"));

        // Linux 6.3+ moved the compound order and destructor into struct folio (the second page of
        // the folio); older kernels had them in the first tail page; before 4.4 in its lru list head.
        int? orderOffset = info.Offset("folio._folio_order") is { } fo ? (int)fo - size
            : Int(info.Offset("page.compound_order"))
            ?? (version.Major < 4 || (version.Major == 4 && version.Minor < 4) ? lru + listPrev : null);
        int? dtorOffset = info.Offset("folio._folio_dtor") is { } fd ? (int)fd - size
            : Int(info.Offset("page.compound_dtor"))
            ?? (version.Major < 4 || (version.Major == 4 && version.Minor < 4) ? lru + listNext : null);

        var headMask = info.Number("PG_head_mask") is { } mask ? (ulong)mask : 1UL << 14; // PG_compound before 2.6.26

        // Kernels 2.6.39+ that predate the VMCOREINFO export use -128 for buddy pages.
        var buddy = Int(info.Number("PAGE_BUDDY_MAPCOUNT_VALUE"))
            ?? (version.Major > 2 || (version.Major == 2 && version.Minor >= 6) ? -128 : null);

        return new StructPageLayout
        {
            Size = size,
            FlagsOffset = flags,
            RefcountOffset = refcount,
            MappingOffset = mapping,
            MapcountOffset = Int(info.Offset("page._mapcount")),
            PrivateOffset = Int(info.Offset("page.private")),
            // 7.x renamed page.compound_head to compound_info (Kiryl Shutsemau's series ending in commit
            // 8c846c879e22, "mm: rework compound_head() for power-of-2 sizeof(struct page)": a tail's word
            // becomes a mask of the head's address, bit 0 still set). Debian's 7.3.4 exports only
            // OFFSET(page.compound_info); without it every tail page was classified on its own, and a
            // slab's first tail, whose folio fields put 0xffffffff where mapping is, read as anonymous.
            CompoundHeadOffset = Int(info.Offset("page.compound_head") ?? info.Offset("page.compound_info")),
            CompoundOrderOffset = orderOffset,
            CompoundDtorOffset = dtorOffset,
            PgLru = Int(info.Number("PG_lru")),
            PgPrivate = Int(info.Number("PG_private")),
            PgSwapCache = Int(info.Number("PG_swapcache")),
            PgSwapBacked = Int(info.Number("PG_swapbacked")),
            PgSlab = Int(info.Number("PG_slab")),
            PgHwPoison = Int(info.Number("PG_hwpoison")),
            PgHugetlb = Int(info.Number("PG_hugetlb")),
            PgBuddy = Int(info.Number("PG_buddy")),
            PgHeadMask = headMask,
            BuddyMapcountValue = buddy,
            SlabMapcountValue = Int(info.Number("PAGE_SLAB_MAPCOUNT_VALUE")),
            OfflineMapcountValue = Int(info.Number("PAGE_OFFLINE_MAPCOUNT_VALUE")),
            UnacceptedMapcountValue = Int(info.Number("PAGE_UNACCEPTED_MAPCOUNT_VALUE")),
            HugetlbMapcountValue = Int(info.Number("PAGE_HUGETLB_MAPCOUNT_VALUE")),
            HugetlbPageDtor = info.Number("HUGETLB_PAGE_DTOR"),
            FreeHugePageSymbol = info.Symbol("free_huge_page"),
            FreeAreaLength = Int(info.Length("zone.free_area")),
            KernelVersion = version,
        };
    }

    private static int? Int(long? value) => value is { } v && v >= int.MinValue && v <= int.MaxValue ? (int)v : null;

    /// <summary>"6.12.117+deb12-amd64" → (6, 12); unknown → (0, 0).</summary>
    public static (int Major, int Minor) ParseVersion(string? release)
    {
        if (release is null)
        {
            return (0, 0);
        }

        var parts = release.Split('.', 3);
        if (parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray()), NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return (major, minor);
        }

        return (0, 0);
    }
}
