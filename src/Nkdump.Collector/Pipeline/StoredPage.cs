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
}

/// <summary>Receives the pages of a dump in increasing PFN order, from one thread.</summary>
public interface IPageSink
{
    /// <summary>Stores one page. <paramref name="bytes"/> is empty for <see cref="PageEncoding.Zero"/>.</summary>
    void WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes);
}

/// <summary>What the pipeline needs to know to encode pages.</summary>
public sealed record PipelineOptions(int PageSize, PageCompression Compression, bool DetectZeroPages, int Workers, int ChunkPages = 256, int ChunksInFlightPerWorker = 4);
