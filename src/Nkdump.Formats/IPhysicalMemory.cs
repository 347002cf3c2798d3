namespace Nkdump.Formats;

/// <summary>What a dump knows about one page frame.</summary>
public enum PageState
{
    /// <summary>The page's bytes are in the dump.</summary>
    Present,

    /// <summary>The page was all zeros when it was dumped (stored once, or as a zero-filled ELF tail).</summary>
    Zero,

    /// <summary>The page existed but the collector filtered it out (dump level).</summary>
    Excluded,

    /// <summary>No such page in this dump: a hole in physical memory, or past its end.</summary>
    NotInDump,

    /// <summary>The dump was cut short (kdump INCOMPLETE flag, a full disk) before this page was written.</summary>
    Incomplete,

    /// <summary>The dump's record of this page is damaged (a descriptor out of range, data that does not decompress to one page).</summary>
    Corrupt,

    /// <summary>
    /// Only part of the page is in the dump: an ELF segment starts or ends inside it (firmware memory
    /// maps need not be page-aligned). The bytes the dump has read as they are, the rest as zeros.
    /// </summary>
    Partial,
}

/// <summary>A contiguous run of page frames [StartPfn, EndPfn) that physical memory has.</summary>
public readonly record struct PfnRange(ulong StartPfn, ulong EndPfn)
{
    public ulong Count => EndPfn - StartPfn;

    public bool Contains(ulong pfn) => pfn >= StartPfn && pfn < EndPfn;
}

/// <summary>
/// The physical memory of a crashed machine as one dump file (or split set) holds it.
/// Every dump format implements this; the kernel layer reads through it. Reads never
/// return zeros for memory the dump does not have: they fail and say the page's state. The one
/// exception is a <see cref="PageState.Partial"/> page, whose missing bytes read as zeros (as
/// makedumpfile, crash and libkdumpfile read them) while its state says that it is partial.
/// </summary>
public interface IPhysicalMemory
{
    /// <summary>Size of one page in bytes (4096 on x86_64).</summary>
    int PageSize { get; }

    /// <summary>One past the highest page frame number the dump describes.</summary>
    ulong MaxPfn { get; }

    /// <summary>The page frame ranges that exist in the crashed machine's memory map, in order.</summary>
    IReadOnlyList<PfnRange> Ranges { get; }

    /// <summary>The state of one page frame; <see cref="PageState.NotInDump"/> past the end.</summary>
    PageState GetPageState(ulong pfn);

    /// <summary>
    /// One past the last page frame of the run from <paramref name="pfn"/> on that is known to share
    /// its state (at least pfn + 1), so that a pass over every frame asks once per run, not once per
    /// page: an ELF core's states only change at segment boundaries.
    /// </summary>
    ulong SameStateEnd(ulong pfn) => pfn + 1;

    /// <summary>
    /// The page frames only partly in the dump (<see cref="PageState.Partial"/>), in order: none in a
    /// format that stores whole pages, a few at segment edges in an ELF core.
    /// </summary>
    IEnumerable<ulong> PartialPages => [];

    /// <summary>
    /// True when <see cref="TryRead"/> may be called from several threads at once (a mapped or
    /// positionally read ELF core holds no per-read state; a compressed dump's decompressor does),
    /// so the collector's workers can read their own pages.
    /// </summary>
    bool ConcurrentReads => false;

    /// <summary>
    /// A view of the pages where they already lie in memory (a mapped ELF core), for one thread, or
    /// null when pages must be copied with <see cref="TryRead"/>. Each thread opens its own.
    /// </summary>
    /// <param name="scattered">The pages asked for will be far apart (comparing with earlier pages), not in order.</param>
    IPageView? OpenPageView(bool scattered = false) => null;

    /// <summary>
    /// Reads <paramref name="destination"/>.Length bytes at physical address <paramref name="physicalAddress"/>
    /// (the range may cross pages). Returns false, with the state and address of the first page that
    /// could not be read, when any part is excluded or not in the dump. Zero pages read as zeros, and
    /// so do the bytes of a partial page that the dump does not have.
    /// </summary>
    bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure);
}

/// <summary>
/// Pages of a dump where they lie, without a copy, for one thread. A span stays valid until the next
/// call or until the view is disposed (the view may map the file window by window).
/// </summary>
public interface IPageView : IDisposable
{
    /// <summary>The bytes of page <paramref name="pfn"/>; false when the page is not plain file data (a zero tail, a hole, a cut-off page): read it with TryRead.</summary>
    bool TryGetPage(ulong pfn, out ReadOnlySpan<byte> page);
}

/// <summary>Why a physical read failed: the first page that was not readable, and its state.</summary>
public readonly record struct PhysicalReadFailure(ulong PhysicalAddress, PageState State)
{
    public override string ToString() =>
        $"physical address 0x{PhysicalAddress:x} (pfn 0x{PhysicalAddress >> 12:x}): page {Describe(State)}";

    private static string Describe(PageState state) => state switch
    {
        PageState.Excluded => "excluded from the dump",
        PageState.NotInDump => "not in the dump",
        PageState.Zero => "zero",
        PageState.Incomplete => "missing (the dump is incomplete)",
        PageState.Corrupt => "corrupt in the dump",
        PageState.Partial => "only partly in the dump",
        _ => "present",
    };
}
