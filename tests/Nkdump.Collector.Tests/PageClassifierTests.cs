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
}
