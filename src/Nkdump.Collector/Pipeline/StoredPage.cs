using Nkdump.Formats;
using Nkdump.Formats.Codecs;

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

/// <summary>What the pipeline needs to know to encode pages.</summary>
public sealed record PipelineOptions(int PageSize, PageCompression Compression, bool DetectZeroPages, int Workers, int ChunkPages = 256, int ChunksInFlightPerWorker = 4);
