namespace Nkdump.Formats;

/// <summary>
/// How many page frames nkdump accepts and for which it writes kdump-compressed files, in one place
/// (issue 17). Memory the collector allocates follows the pages present (<see cref="PfnBitmap"/> is
/// sparse), so these bound what a header may claim, not what a run costs.
/// </summary>
public static class PfnLimits
{
    /// <summary>
    /// 2^40 frames: physical addresses of 52 bits (the most x86_64 defines, 4 PiB) in 4 KiB pages.
    /// A dump that describes more is refused as it is opened.
    /// </summary>
    public const ulong MaxPfn = 1UL << 40;

    /// <summary>The highest physical address plus one that an ELF segment may reach: <see cref="MaxPfn"/> pages of 4 KiB.</summary>
    public const ulong MaxPhysicalAddress = MaxPfn << 12;

    /// <summary>
    /// 2^34 frames, physical addresses below 2^46 (64 TiB: MAX_PHYSMEM_BITS of x86_64 with 4-level
    /// page tables, so every such machine fits): the largest max_mapnr of a kdump-compressed file
    /// nkdump writes. The format stores two bitmaps of max_mapnr bits however few pages are present,
    /// 2 GiB each at this limit; crash reads them whole into memory. Memory above it (a 5-level
    /// machine's, or a bogus segment's) goes into ELF output, which holds only the pages present.
    /// </summary>
    public const ulong KdumpMaxMapnr = 1UL << 34;
}
