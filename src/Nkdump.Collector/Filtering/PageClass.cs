namespace Nkdump.Collector.Filtering;

/// <summary>Why a page frame is kept or dropped, as makedumpfile counts them.</summary>
public enum PageClass : byte
{
    /// <summary>Not excludable at this dump level.</summary>
    Kept,

    /// <summary>A tail page of a compound page; its head decided for the whole compound page.</summary>
    CompoundTail,

    /// <summary>Free: in the buddy allocator, or unaccepted memory (dump level 16).</summary>
    Free,

    /// <summary>Page cache without private data (dump level 2).</summary>
    Cache,

    /// <summary>Page cache with private data (dump level 4).</summary>
    CachePrivate,

    /// <summary>Anonymous or hugetlbfs user data (dump level 8).</summary>
    User,

    /// <summary>Memory with a hardware error: always excluded, reading it could crash the capture kernel.</summary>
    HwPoison,

    /// <summary>Logically offline (ballooned) memory: always excluded.</summary>
    Offline,

    /// <summary>All zeros (dump level 1), found by reading the page itself.</summary>
    Zero,
}
