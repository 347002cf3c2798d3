using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>How one page is stored in the output.</summary>
public enum PageEncoding : byte
{
    /// <summary>The page's bytes as they are (compression did not shrink it, or none was asked for).</summary>
    Raw,

    /// <summary>Compressed with the dump's compression.</summary>
    Compressed,

    /// <summary>All zeros: kdump-compressed files point every zero page at one shared zero page.</summary>
    Zero,

    /// <summary>Queued by number only: a worker reads it from the shared source (never reaches a sink).</summary>
    Unread,

    /// <summary>The same bytes as a page stored earlier (found by a worker; the writer decides, and never passes it to a sink).</summary>
    Duplicate,
}

/// <summary>A dump's memory that the pipeline's workers read from directly (its reads must be thread-safe).</summary>
public sealed record SharedPageSource(IPhysicalMemory Memory, string Name)
{
    /// <summary>Copies page <paramref name="pfn"/> into <paramref name="page"/>; a page the dump cannot give is an error naming the dump.</summary>
    public void Read(ulong pfn, Span<byte> page)
    {
        if (!Memory.TryRead(pfn * (ulong)page.Length, page, out var failure))
        {
            throw new NkdumpException($"{Name}: cannot read a page the dump keeps: {failure}");
        }
    }
}

/// <summary>Receives the pages of a dump in increasing PFN order, from one thread.</summary>
public interface IPageSink
{
    /// <summary>Stores one page. <paramref name="bytes"/> is empty for <see cref="PageEncoding.Zero"/>.</summary>
    void WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes);
}

/// <summary>
/// A sink that takes a chunk of pages in one call, their stored bytes back to back in one span (zero
/// pages take none), so it can write them without copying them one by one.
/// </summary>
public interface IPageRunSink : IPageSink
{
    /// <summary>Stores the pages as <see cref="IPageSink.WritePage"/> would, in order; encodings are Raw, Compressed or Zero.</summary>
    void WriteRun(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data);
}

/// <summary>
/// A sink that can store a page as a pointer to the bytes of an identical page stored before it
/// (<see cref="IdenticalPages"/>).
/// </summary>
public interface IPageCopySink : IPageSink
{
    /// <summary>Stores a page as <see cref="IPageSink.WritePage"/> does and says where its bytes went (null for a zero page).</summary>
    StoredPageLocation? WriteStoredPage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes);

    /// <summary>Stores <paramref name="pfn"/> as the bytes already at <paramref name="earlier"/>.</summary>
    void WriteCopy(ulong pfn, StoredPageLocation earlier);
}

/// <summary>What the pipeline needs to know to encode pages.</summary>
/// <param name="StoreIdenticalPagesOnce">
/// With a shared source and a copy sink, store a page whose bytes equal an earlier stored page's as a
/// pointer to them (<see cref="IdenticalPages"/>).
/// </param>
public sealed record PipelineOptions(int PageSize, PageCompression Compression, bool DetectZeroPages, int Workers, int ChunkPages = 256, int ChunksInFlightPerWorker = 4, bool StoreIdenticalPagesOnce = false);
