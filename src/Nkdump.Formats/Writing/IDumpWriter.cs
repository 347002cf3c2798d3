using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Writing;

/// <summary>How one page is stored in a dump file.</summary>
public enum PageEncoding : byte
{
    /// <summary>The page's bytes as they are (compression did not shrink it, or none was asked for).</summary>
    Raw,

    /// <summary>Compressed with the writer's <see cref="IDumpWriter.Compression"/>.</summary>
    Compressed,

    /// <summary>All zeros: no bytes are handed over (kdump-compressed files point every zero page at one shared zero page).</summary>
    Zero,
}

/// <summary>
/// The one contract of the dump writers (kdump-compressed: <see cref="KdumpWriter"/>, ELF:
/// <see cref="ElfWriter"/>). The collector's pipeline reads, checks and compresses the pages; a
/// writer only places them, already encoded, in its layout. Pages arrive from one thread in
/// increasing PFN order, each page of the writer's page set exactly once. A writer writes to a
/// stream that is a regular file, or a <see cref="Flattened.FlattenedWriteStream"/> that carries the
/// same layout through a pipe as makedumpfile's flattened records.
/// </summary>
public interface IDumpWriter : IDisposable
{
    int PageSize { get; }

    /// <summary>What compressed pages must be compressed with; None: the writer takes raw and zero pages only.</summary>
    PageCompression Compression { get; }

    /// <summary>The pages this writer holds (its page set within its PFN range); <see cref="Complete"/> needs them all.</summary>
    long PageCount { get; }

    /// <summary>Pages handed in so far.</summary>
    long PagesWritten { get; }

    /// <summary>
    /// True when a page can be stored as a pointer to the bytes of a page stored earlier
    /// (<see cref="WriteCopy"/>), as kdump-compressed descriptors can; an ELF file cannot.
    /// </summary>
    bool StoresCopies { get; }

    /// <summary>
    /// Stores page <paramref name="pfn"/>: <paramref name="bytes"/> raw (one page), compressed, or
    /// empty for <see cref="PageEncoding.Zero"/>. Returns where the bytes went, when the writer
    /// <see cref="StoresCopies"/> and the page is not a zero page.
    /// </summary>
    StoredPageLocation? WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes);

    /// <summary>
    /// Stores the next pages as <see cref="WritePage"/> would one at a time, their bytes back to back
    /// in <paramref name="data"/> (page i has <paramref name="lengths"/>[i] bytes; zero pages none), so
    /// that a whole chunk of the pipeline goes to the file without being copied page by page.
    /// </summary>
    void WritePages(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data);

    /// <summary>Stores <paramref name="pfn"/> as the bytes already at <paramref name="earlier"/> (only when <see cref="StoresCopies"/>).</summary>
    void WriteCopy(ulong pfn, StoredPageLocation earlier);

    /// <summary>Finishes the file once every page is in: the header then says the dump is complete.</summary>
    void Complete();
}

/// <summary>Where a stored page's bytes are in a kdump-compressed file: a descriptor's offset, size and flags.</summary>
public readonly record struct StoredPageLocation(long Offset, uint Size, uint Flags);
