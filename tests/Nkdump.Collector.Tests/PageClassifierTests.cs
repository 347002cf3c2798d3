using System.Buffers.Binary;
using System.Text;
using Nkdump.Collector.Filtering;
using Nkdump.Formats;

namespace Nkdump.Collector.Tests;

/// <summary>
/// The classifier on hand-made struct pages, with the layouts of the two fixture kernels'
/// VMCOREINFO (6.1: PG_slab flag and compound order in the first tail page; 6.12: page types in
/// the top byte of page_type, hugetlb as a type).
/// </summary>
public class PageClassifierTests
{
    private const string Linux61 =
        "OSRELEASE=6.1.0-56-amd64\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n" +
        "OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\nOFFSET(page.compound_dtor)=16\n" +
        "OFFSET(page.compound_order)=17\nOFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\nNUMBER(PG_lru)=4\n" +
        "NUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\nNUMBER(PG_hwpoison)=23\n" +
        "NUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\nNUMBER(HUGETLB_PAGE_DTOR)=2\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";

    private const string Linux612 =
        "OSRELEASE=6.12.117+deb12-amd64\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n" +
        "OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\nOFFSET(page.compound_head)=8\n" +
        "NUMBER(PG_lru)=5\nNUMBER(PG_private)=14\nNUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=17\n" +
        "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\nNUMBER(PG_hwpoison)=20\nNUMBER(PG_head_mask)=64\n" +
        "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\nNUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n" +
        "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\n";

    // Debian 7.3.4's VMCOREINFO: page.compound_head is now page.compound_info.
    private const string Linux73 =
        "OSRELEASE=7.3.4+deb13-amd64\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n" +
        "OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\nOFFSET(page.compound_info)=8\n" +
        "NUMBER(PG_lru)=5\nNUMBER(PG_private)=14\nNUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=17\n" +
        "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\nNUMBER(PG_hwpoison)=21\nNUMBER(PG_head_mask)=64\n" +
        "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\nNUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n" +
        "NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)=-150994944\n";

    private static StructPageLayout Layout(string text) => StructPageLayout.FromVmcoreInfo(VmcoreInfo.Parse(Encoding.ASCII.GetBytes(text)));

    private static byte[] Pages(int count) => new byte[64 * count];

    private static void Set64(byte[] pages, int index, int offset, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(pages.AsSpan(index * 64 + offset), value);

    private static void Set32(byte[] pages, int index, int offset, int value) =>
        BinaryPrimitives.WriteInt32LittleEndian(pages.AsSpan(index * 64 + offset), value);

    [Fact]
    public void ReadsLayoutsOfBothKernels()
    {
        var l61 = Layout(Linux61);
        Assert.Equal(17, l61.CompoundOrderOffset);
        Assert.Equal(9, l61.PgSlab);
        Assert.Equal((6, 1), l61.KernelVersion);
        var l612 = Layout(Linux612);
        Assert.Null(l612.PgSlab);
        Assert.Equal(-184549376, l612.SlabMapcountValue);
        Assert.Equal((6, 12), l612.KernelVersion);
    }

    [Fact]
    public void MissingRequiredKeysAreNamed()
    {
        var e = Assert.Throws<NkdumpException>(() => Layout("SIZE(page)=64\nOFFSET(page.flags)=0\n"));
        Assert.Contains("OFFSET(page._refcount)", e.Message);
        Assert.Contains("OFFSET(page.mapping)", e.Message);
    }

    [Fact]
    public void FreeBuddyBlockCoversItsOrder()
    {
        var pages = Pages(2);
        Set32(pages, 0, 48, -129);
        Set64(pages, 0, 40, 3); // order 3
        var classifier = new PageClassifier(Layout(Linux61), DumpLevel.All);
        Assert.Equal(PageClass.Free, classifier.Classify(pages, 0, 0x1000, out var count));
        Assert.Equal(8, count);
        Assert.Equal(PageClass.Kept, new PageClassifier(Layout(Linux61), DumpLevel.User).Classify(pages, 0, 0x1000, out _));
    }

    [Fact]
    public void BuddyOrderBeyondFreeAreaIsKept()
    {
        var pages = Pages(1);
        Set32(pages, 0, 48, -129);
        Set64(pages, 0, 40, 11);
        Assert.Equal(PageClass.Kept, new PageClassifier(Layout(Linux61), DumpLevel.All).Classify(pages, 0, 0, out _));
    }

    [Fact]
    public void CachePagesSplitByPrivateFlag()
    {
        var pages = Pages(2);
        Set64(pages, 0, 0, 1UL << 4);                    // PG_lru
        Set64(pages, 1, 0, (1UL << 4) | (1UL << 13));    // PG_lru | PG_private
        var layout = Layout(Linux61);
        Assert.Equal(PageClass.Cache, new PageClassifier(layout, DumpLevel.CacheNonPrivate).Classify(pages, 0, 0, out _));
        Assert.Equal(PageClass.Kept, new PageClassifier(layout, DumpLevel.CacheNonPrivate).Classify(pages, 1, 1, out _));
        Assert.Equal(PageClass.CachePrivate, new PageClassifier(layout, DumpLevel.CachePrivate).Classify(pages, 1, 1, out _));
    }

    [Fact]
    public void SwapCacheCountsAsCacheOnlyWhenSwapBacked()
    {
        var pages = Pages(2);
        Set64(pages, 0, 0, 1UL << 10);
        Set64(pages, 1, 0, (1UL << 10) | (1UL << 19));
        var classifier = new PageClassifier(Layout(Linux61), DumpLevel.CacheNonPrivate);
        Assert.Equal(PageClass.Kept, classifier.Classify(pages, 0, 0, out _));
        Assert.Equal(PageClass.Cache, classifier.Classify(pages, 1, 1, out _));
    }

    [Fact]
    public void AnonymousPagesAreUserData()
    {
        var pages = Pages(1);
        Set64(pages, 0, 24, 0xffff888001234561); // anon_vma | PAGE_MAPPING_ANON
        Assert.Equal(PageClass.User, new PageClassifier(Layout(Linux61), DumpLevel.User).Classify(pages, 0, 0, out _));
    }

    [Fact]
    public void SlabWithOddCountIn612IsNotAnonymous()
    {
        // 6.2+: slab.slabs overlays page.mapping; an odd count looks like PAGE_MAPPING_ANON.
        var pages = Pages(1);
        Set64(pages, 0, 24, 7);
        Set32(pages, 0, 48, -184549376);
        Assert.Equal(PageClass.Kept, new PageClassifier(Layout(Linux612), DumpLevel.All).Classify(pages, 0, 0, out _));
    }

    [Fact]
    public void SlabFlagIn61IsNotAnonymous()
    {
        var pages = Pages(1);
        Set64(pages, 0, 0, 1UL << 9);
        Set64(pages, 0, 24, 3);
        Assert.Equal(PageClass.Kept, new PageClassifier(Layout(Linux61), DumpLevel.All).Classify(pages, 0, 0, out _));
    }

    [Fact]
    public void Hugetlb612IsUserDataCoveringItsOrder()
    {
        var pages = Pages(2);
        Set64(pages, 0, 0, 64);               // PG_head
        Set32(pages, 0, 48, -201326592);      // PGTY_hugetlb
        Set64(pages, 1, 0, 9);                // folio._flags_1: order 9
        Set64(pages, 1, 8, 0 | 1);            // tail's compound_head
        var classifier = new PageClassifier(Layout(Linux612), DumpLevel.User);
        Assert.Equal(PageClass.User, classifier.Classify(pages, 0, 512, out var count));
        Assert.Equal(512, count);
        Assert.Equal(PageClass.CompoundTail, classifier.Classify(pages, 1, 513, out _));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(40)]
    [InlineData(63)]
    public void ACompoundOrderPastWhatACountHoldsIsNoCompoundPage(byte order)
    {
        // A hostile struct page at pfn 0 (aligned to any order) claiming 2^31 frames or more must not
        // exclude the rest of memory: it is taken as a single page.
        var pages = Pages(2);
        Set64(pages, 0, 0, 65536);
        pages[64 + 16] = 2; // compound_dtor = HUGETLB_PAGE_DTOR
        pages[64 + 17] = order;
        var classifier = new PageClassifier(Layout(Linux61), DumpLevel.User);
        Assert.Equal(PageClass.User, classifier.Classify(pages, 0, 0, out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Hugetlb61ByDestructorId()
    {
        var pages = Pages(2);
        Set64(pages, 0, 0, 65536);
        pages[64 + 16] = 2; // compound_dtor = HUGETLB_PAGE_DTOR
        pages[64 + 17] = 9; // compound_order
        var classifier = new PageClassifier(Layout(Linux61), DumpLevel.User);
        Assert.Equal(PageClass.User, classifier.Classify(pages, 0, 1024, out var count));
        Assert.Equal(512, count);
    }

    [Fact]
    public void MisalignedCompoundHeadCountsOnePage()
    {
        var pages = Pages(2);
        Set64(pages, 0, 0, 65536 | (1UL << 4));
        pages[64 + 17] = 4;
        Assert.Equal(PageClass.Cache, new PageClassifier(Layout(Linux61), DumpLevel.CacheNonPrivate).Classify(pages, 0, 3, out var count));
        Assert.Equal(1, count);
    }

    [Fact]
    public void HwPoisonAndOfflineAreExcludedAtEveryLevel()
    {
        var pages = Pages(2);
        Set64(pages, 0, 0, 1UL << 23);
        Set32(pages, 1, 48, -257);
        var classifier = new PageClassifier(Layout(Linux61), DumpLevel.None);
        Assert.Equal(PageClass.HwPoison, classifier.Classify(pages, 0, 0, out _));
        Assert.Equal(PageClass.Offline, classifier.Classify(pages, 1, 1, out _));
    }

    /// <summary>
    /// Linux 7.x renamed page.compound_head to compound_info (the series ending in commit 8c846c879e22,
    /// "mm: rework compound_head() for power-of-2 sizeof(struct page)"; VMCOREINFO exports
    /// OFFSET(page.compound_info)). These are the struct pages of the task_struct slab holding
    /// kthreadd in a 7.3.4 dump (pfn 0x12c0-0x12c7, read with drgn 0.3): without the new name the
    /// first tail page (folio _flags_1 order 3, 0xffffffff where mapping is) read as anonymous, -d 8
    /// dropped it, and with it every task_struct at offset 0x1a80 of such a slab (ps found 50 of 68 tasks).
    /// makedumpfile 1.7.8 drops the same pages.
    /// </summary>
    [Fact]
    public void TailPagesOf73SlabsAreKnownByCompoundInfo()
    {
        string[] structPages =
        [
            "400000c0ffff0f0000d42241d68bffff220100000000adde000000000000000000000000000000000400040002000000000000f5000000000000000000000000",
            "030000c0ffff0f0001feffffffffffffffffffff00000000ffffffff00000000ffffffffffffffff0000000000000000ffffffff000000000800000000000000",
            "000000c0ffff0f0001feffffffffffff90b004005bf8ffff90b004005bf8ffff00000000000000000000000000000000ffffffff000000000000000000000000",
            "000000c0ffff0f0001feffffffffffffc8b004005bf8ffff000400000000adde00000000000000000000000000000000ffffffff000000000000000000000000",
        ];
        var pages = structPages.SelectMany(Convert.FromHexString).ToArray();
        var layout = Layout(Linux73);
        Assert.Equal(8, layout.CompoundHeadOffset);
        var classifier = new PageClassifier(layout, DumpLevel.All);
        Assert.Equal(PageClass.Kept, classifier.Classify(pages, 0, 0x12c0, out _)); // the slab's head (page type 0xf5)
        for (var tail = 1; tail < structPages.Length; tail++)
        {
            Assert.Equal(PageClass.CompoundTail, classifier.Classify(pages, tail, 0x12c0 + (ulong)tail, out _));
        }

        // What the 1.7.8 rules did: no tail word known, the first tail judged alone, its "mapping" has bit 0 set.
        var withoutTails = new PageClassifier(layout with { CompoundHeadOffset = null }, DumpLevel.All);
        Assert.Equal(PageClass.User, withoutTails.Classify(pages, 1, 0x12c1, out _));
    }
}
