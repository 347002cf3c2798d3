using Nkdump.Collector.Budget;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>What the pipeline needs to know beyond its writer (which gives the page size and the compression).</summary>
/// <param name="DetectZeroPages">Write all-zero pages as zero pages (dump level bit 1; always for convert).</param>
/// <param name="Workers">Encoding threads; 1 encodes and writes on the caller's thread.</param>
/// <param name="StoreIdenticalPagesOnce">
/// When the workers read the source themselves and the writer can point at earlier pages, store a page
/// whose bytes equal an earlier stored page's as a pointer to them (<see cref="IdenticalPages"/>).
/// </param>
/// <param name="Budget">A capture budget the writer checks before each chunk (the writer must then be a <see cref="KdumpWriter"/>), or null.</param>
internal sealed record PipelineOptions(bool DetectZeroPages, int Workers, int ChunkPages = 256, int ChunksInFlightPerWorker = 4, bool StoreIdenticalPagesOnce = false, CaptureBudget? Budget = null);

/// <summary>
/// The collector's one page-encoding path, for collect, convert and reassembly alike: the caller
/// <see cref="Add"/>s the writer's pages in PFN order, workers read and encode them
/// (<see cref="ChunkEncoder"/>), and <see cref="ChunkScheduler"/> hands them in order to the
/// <see cref="IDumpWriter"/>. Copying pages out of the source on the workers matters: on one thread,
/// the copy and the zero check made the caller's thread as busy as a compressing worker (perf, -l -d 1).
/// </summary>
internal sealed class PagePipeline : IDisposable
{
    private readonly IDumpWriter _writer;
    private readonly PageSource _source;
    private readonly int _chunkPages;
    private readonly bool _copyStored;
    private readonly ChunkWriter _chunkWriter;
    private readonly ChunkScheduler _scheduler;
    private PageChunk? _filling;

    public PagePipeline(IDumpWriter writer, PageSource source, PipelineOptions options)
    {
        if (source.Memory.PageSize != writer.PageSize)
        {
            throw new ArgumentException($"the source's pages are {source.Memory.PageSize} bytes, the writer's {writer.PageSize}", nameof(source));
        }

        _writer = writer;
        _source = source;
        _copyStored = !source.Shared && source.CopiesStoredPages(writer.Compression);
        var identical = options.StoreIdenticalPagesOnce && source.Shared && writer.StoresCopies ? new IdenticalPages(source.Memory) : null;
        var budgetedFile = options.Budget is null ? null
            : writer as KdumpWriter ?? throw new ArgumentException("a capture budget needs a kdump-compressed writer", nameof(writer));
        _chunkWriter = new ChunkWriter(writer, identical is null ? null : new IdenticalPageWriter(identical, source, writer),
            options.Budget, budgetedFile is null ? null : () => budgetedFile.BytesWritten);
        var workers = Math.Max(1, options.Workers);
        _chunkPages = workers == 1 ? Math.Min(options.ChunkPages, ChunkScheduler.InlineChunkPages) : options.ChunkPages;
        _scheduler = new ChunkScheduler(workers, _chunkPages, options.ChunksInFlightPerWorker, writer.PageSize,
            () => new ChunkEncoder(source, writer.PageSize, writer.Compression, options.DetectZeroPages, identical),
            _chunkWriter.Write);
    }

    /// <summary>Pages handed to the writer so far (for progress; any thread).</summary>
    public long PagesWritten => _chunkWriter.PagesWritten;

    /// <summary>Pages written as zero pages (after <see cref="Complete"/>).</summary>
    public long ZeroPages => _chunkWriter.ZeroPages;

    /// <summary>
    /// Queues page <paramref name="pfn"/>. A source only one thread may read is read here, on the
    /// caller's thread (with the stored bytes the source may give, see <see cref="PageSource.CopyingStoredPages"/>);
    /// a shared one by the workers. Blocks while every chunk is in flight.
    /// </summary>
    public void Add(ulong pfn)
    {
        var chunk = _filling ??= _scheduler.Take();
        var index = chunk.Count;
        chunk.Pfns[index] = pfn;
        if (!_source.Shared)
        {
            _source.Read(pfn, chunk.InputPage(index));
            if (_copyStored)
            {
                chunk.Stored.Lengths[index] = _source.CopyStored(pfn, _writer.Compression, chunk.Stored.Slot(index), out chunk.Stored.Encodings[index]);
            }
        }

        chunk.Count++;
        if (chunk.Count == _chunkPages)
        {
            _filling = null;
            _scheduler.Dispatch(chunk);
        }
    }

    /// <summary>Sends what is queued and waits until the writer has every page (the writer is not completed here).</summary>
    public void Complete()
    {
        if (_filling is { Count: > 0 } chunk)
        {
            _filling = null;
            _scheduler.Dispatch(chunk);
        }

        _scheduler.Complete();
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        _chunkWriter.Dispose();
    }
}
