using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// The compress-and-write engine: the caller's thread fills chunks with pages (or, when the
/// source allows reads from several threads, only with page numbers: <see cref="Enqueue"/>),
/// worker threads encode chunks (reading their pages, zero check, compression, one codec instance
/// per worker), and one writer thread passes them to the sink strictly in the order they were
/// queued, so the output is the same whatever the number of workers. At most
/// Workers × ChunksInFlightPerWorker chunks exist, which bounds memory independently of the dump's size.
/// Copying pages out of the source on the workers matters: on one thread, the copy and the
/// zero check made the caller's thread as busy as a compressing worker (perf, -l -d 1).
/// With one worker (a capture kernel runs on one CPU) there are no threads at all: each small
/// chunk is encoded and written on the caller's thread, which was both faster and 6 MiB smaller
/// in the capture kernel than hand-offs between threads that cannot run at once (issue 7's
/// crashkernel= measurements).
/// </summary>
public sealed class ParallelPageEncoder : IDisposable
{
    private readonly PipelineOptions _options;
    private readonly IPageSink _sink;
    private readonly SharedPageSource? _source;
    private readonly BlockingCollection<PageChunk> _free = new();
    private readonly BlockingCollection<PageChunk> _work = new();
    private readonly BlockingCollection<PageChunk> _ordered = new();
    private readonly Thread[] _workers;
    private readonly Thread? _writer;

    /// <summary>Pages per chunk when everything runs on the caller's thread: 64 pages, 0.5 MiB of buffers.</summary>
    private const int InlineChunkPages = 64;

    private readonly PageChunk? _inline;

    // Every chunk made, to free their buffers once no thread uses them (Dispose).
    private readonly List<PageChunk> _chunks = [];
    private readonly IPageCompressor? _inlineCompressor;
    private readonly IPageView? _inlineView;

    // Identical pages stored once (null when off): the table, and the writer's side of it.
    private readonly IdenticalPages? _identical;
    private readonly IdenticalPageWriter? _identicalWriter;
    private readonly IdenticalPages.Lookahead? _inlineLookahead;
    private readonly CancellationTokenSource _failed = new();
    private PageChunk? _filling;
    private Exception? _writerFailure;
    private bool _completed;

    /// <param name="source">Where workers read pages queued with <see cref="Enqueue"/>; its reads must be thread-safe.</param>
    public ParallelPageEncoder(PipelineOptions options, IPageSink sink, SharedPageSource? source = null)
    {
        if (source is not null && !source.Memory.ConcurrentReads)
        {
            throw new ArgumentException("the workers can only share a source that reads from several threads at once", nameof(source));
        }

        _source = source;
        _sink = sink;
        if (options.StoreIdenticalPagesOnce && source is not null && sink is IPageCopySink copySink)
        {
            _identical = new IdenticalPages(source.Memory);
            _identicalWriter = new IdenticalPageWriter(_identical, source, copySink, options);
        }

        var workers = Math.Max(1, options.Workers);
        if (workers == 1)
        {
            // One worker (a capture kernel booted with nr_cpus=1): threads would only add hand-offs
            // and buffers. Encode and write each chunk on the caller's thread, from one small chunk.
            _options = options with { ChunkPages = Math.Min(options.ChunkPages, InlineChunkPages) };
            _inline = new PageChunk(_options.ChunkPages, options.PageSize);
            _chunks.Add(_inline);
            _inlineCompressor = options.Compression == PageCompression.None ? null : PageCodecs.CreateCompressor(options.Compression, options.PageSize);
            _inlineView = source?.Memory.OpenPageView();
            _inlineLookahead = _identical is null ? null : new IdenticalPages.Lookahead(_identical, options.PageSize);
            _workers = [];
            _writer = null;
            return;
        }

        _options = options;
        for (var i = 0; i < workers * options.ChunksInFlightPerWorker; i++)
        {
            var chunk = new PageChunk(options.ChunkPages, options.PageSize);
            _chunks.Add(chunk);
            _free.Add(chunk);
        }

        _workers = new Thread[workers];
        for (var i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"nkdump-encode-{i}" };
            _workers[i].Start();
        }

        _writer = new Thread(WriterLoop) { IsBackground = true, Name = "nkdump-writer" };
        _writer.Start();
    }

    /// <summary>Pages handed to the sink so far (for progress).</summary>
    public long PagesWritten => Interlocked.Read(ref _pagesWritten);

    private long _pagesWritten;

    /// <summary>
    /// Gives the buffer for the next page; the caller fills it with the page's bytes and then
    /// calls <see cref="Commit"/>. Blocks while every chunk is in flight.
    /// </summary>
    public Span<byte> NextPage(ulong pfn)
    {
        var chunk = NextSlot(pfn);
        return chunk.Input.AsSpan(chunk.Count * _options.PageSize, _options.PageSize);
    }

    /// <summary>Queues page <paramref name="pfn"/> for a worker to read from the shared source.</summary>
    public void Enqueue(ulong pfn)
    {
        if (_source is null)
        {
            throw new InvalidOperationException("no shared page source: fill pages with NextPage and Commit");
        }

        var chunk = NextSlot(pfn);
        chunk.Encodings[chunk.Count] = PageEncoding.Unread;
        chunk.Count++;
        if (chunk.Count == _options.ChunkPages)
        {
            Dispatch();
        }
    }

    private PageChunk NextSlot(ulong pfn)
    {
        ThrowIfFailed();
        if (_filling is null && _inline is not null)
        {
            _filling = _inline;
            _filling.Count = 0;
        }
        else if (_filling is null)
        {
            try
            {
                _filling = _free.Take(_failed.Token);
            }
            catch (OperationCanceledException)
            {
                ThrowIfFailed();
                throw;
            }

            _filling.Count = 0;
            _filling.Failure = null;
            _filling.Done.Reset();
        }

        _filling.Pfns[_filling.Count] = pfn;
        return _filling;
    }

    /// <summary>Accepts the page last returned by <see cref="NextPage"/>; <paramref name="knownZero"/> skips the zero check.</summary>
    public void Commit(bool knownZero = false)
    {
        var chunk = _filling!;
        chunk.Encodings[chunk.Count] = knownZero ? PageEncoding.Zero : PageEncoding.Raw;
        chunk.Count++;
        if (chunk.Count == _options.ChunkPages)
        {
            Dispatch();
        }
    }

    /// <summary>Sends what is buffered, waits until the sink has every page, and stops the threads.</summary>
    public void Complete()
    {
        if (_filling is { Count: > 0 })
        {
            Dispatch();
        }

        _completed = true;
        if (_inline is not null)
        {
            return;
        }

        _work.CompleteAdding();
        _ordered.CompleteAdding();
        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _writer!.Join();
        ThrowIfFailed();
    }

    private void Dispatch()
    {
        var chunk = _filling!;
        _filling = null;
        if (_inline is not null)
        {
            Encode(chunk, _inlineCompressor, _inlineView, _inlineLookahead);
            Write(chunk);
            return;
        }

        _ordered.Add(chunk);
        _work.Add(chunk);
    }

    private void WorkerLoop()
    {
        using var compressor = _options.Compression == PageCompression.None ? null : PageCodecs.CreateCompressor(_options.Compression, _options.PageSize);
        using var view = _source?.Memory.OpenPageView();
        using var lookahead = _identical is null ? null : new IdenticalPages.Lookahead(_identical, _options.PageSize);
        foreach (var chunk in _work.GetConsumingEnumerable())
        {
            try
            {
                // After a failure the run is being abandoned: touch no more pages.
                if (!_failed.IsCancellationRequested)
                {
                    Encode(chunk, compressor, view, lookahead);
                }
            }
            catch (Exception e)
            {
                chunk.Failure = e;
            }

            chunk.Done.Set();
        }
    }

    /// <param name="chunk">The pages to encode.</param>
    /// <param name="compressor">This thread's compressor, or null to store pages raw.</param>
    /// <param name="view">This thread's view of the source's pages in place, or null to copy them.</param>
    /// <param name="lookahead">This thread's search for earlier identical pages (with <see cref="IdenticalPages"/>).</param>
    private void Encode(PageChunk chunk, IPageCompressor? compressor, IPageView? view, IdenticalPages.Lookahead? lookahead)
    {
        var pageSize = _options.PageSize;
        var outputOffset = 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            ReadOnlySpan<byte> page;
            if (chunk.Encodings[i] == PageEncoding.Unread)
            {
                // A mapped vmcore's page is compressed where it lies (the span lasts until the next
                // page is asked for); others are copied in first. Only then is chunk.Input touched:
                // taking it for every page allocated 1 MiB per chunk that mapped pages never use.
                if (view is null || !view.TryGetPage(chunk.Pfns[i], out page))
                {
                    var buffer = chunk.Input.AsSpan(i * pageSize, pageSize);
                    _source!.Read(chunk.Pfns[i], buffer);
                    page = buffer;
                }

                chunk.Encodings[i] = PageEncoding.Raw;
            }
            else
            {
                // Filled by the caller through NextPage.
                page = chunk.Input.AsSpan(i * pageSize, pageSize);
            }

            if (chunk.Encodings[i] == PageEncoding.Zero || (_options.DetectZeroPages && !page.ContainsAnyExcept((byte)0)))
            {
                chunk.Encodings[i] = PageEncoding.Zero;
                chunk.Offsets[i] = outputOffset;
                chunk.Lengths[i] = 0;
                continue;
            }

            if (lookahead is not null)
            {
                // A page the writer will point at an identical earlier one needs no compressing.
                var hash = IdenticalPages.Hash(page);
                chunk.Hashes[i] = hash;
                var found = lookahead.FindEarlier(hash, chunk.Pfns[i], page, out chunk.Matches[i]);
                if (found)
                {
                    chunk.Encodings[i] = PageEncoding.Duplicate;
                    chunk.Offsets[i] = outputOffset;
                    chunk.Lengths[i] = 0;
                    continue;
                }
            }

            // A page that does not shrink is stored raw, as makedumpfile does. The codec may use
            // the chunk's slack past this page (a codec like LZO then compresses in place, with no
            // scratch copy); what it wrote there is overwritten by the pages after it.
            var room = chunk.Output.Slice(outputOffset, pageSize);
            var compressRoom = chunk.Output.Slice(outputOffset, Math.Min(chunk.Output.Length - outputOffset, pageSize + PageChunk.SlackBytes(pageSize)));
            if (compressor is not null && compressor.TryCompress(page, compressRoom, out var written) && written < pageSize)
            {
                chunk.Encodings[i] = PageEncoding.Compressed;
                chunk.Lengths[i] = written;
            }
            else
            {
                page.CopyTo(room);
                chunk.Encodings[i] = PageEncoding.Raw;
                chunk.Lengths[i] = pageSize;
            }

            chunk.Offsets[i] = outputOffset;
            outputOffset += chunk.Lengths[i];
        }
    }

    private void WriterLoop()
    {
        try
        {
            foreach (var chunk in _ordered.GetConsumingEnumerable())
            {
                chunk.Done.Wait();
                if (_failed.IsCancellationRequested)
                {
                    break;
                }

                if (chunk.Failure is NkdumpException)
                {
                    ExceptionDispatchInfo.Throw(chunk.Failure);
                }

                if (chunk.Failure is not null)
                {
                    throw new InvalidOperationException("encoding pages failed: " + chunk.Failure.Message, chunk.Failure);
                }

                Write(chunk);
                _free.Add(chunk);
            }
        }
        catch (Exception e)
        {
            _writerFailure = e;
            _failed.Cancel();
        }
    }

    private void Write(PageChunk chunk)
    {
        if (_identicalWriter is null && _sink is IPageRunSink runSink)
        {
            // The chunk's stored bytes lie back to back in its output: hand them over in one piece.
            var count = chunk.Count;
            var bytes = count == 0 ? 0 : chunk.Offsets[count - 1] + chunk.Lengths[count - 1];
            runSink.WriteRun(chunk.Pfns.AsSpan(0, count), chunk.Encodings.AsSpan(0, count), chunk.Lengths.AsSpan(0, count), chunk.Output.Slice(0, bytes));
            Interlocked.Add(ref _pagesWritten, count);
            return;
        }

        for (var i = 0; i < chunk.Count; i++)
        {
            var bytes = chunk.Output.Slice(chunk.Offsets[i], chunk.Lengths[i]);
            if (_identicalWriter is null || chunk.Encodings[i] == PageEncoding.Zero)
            {
                _sink.WritePage(chunk.Pfns[i], chunk.Encodings[i], bytes);
            }
            else
            {
                _identicalWriter.Write(chunk.Pfns[i], chunk.Encodings[i], bytes, chunk.Hashes[i], chunk.Matches[i]);
            }
        }

        Interlocked.Add(ref _pagesWritten, chunk.Count);
    }

    private void ThrowIfFailed()
    {
        if (_writerFailure is { } failure)
        {
            // IOExceptions from the sink (disk full) keep their type so callers can mark the dump incomplete.
            if (failure is IOException io)
            {
                throw new IOException(io.Message, io);
            }

            if (failure is DumpFormatException format)
            {
                throw new DumpFormatException(format.FilePath, format.Offset, format.Problem);
            }

            if (failure is NkdumpException nkdump)
            {
                throw new NkdumpException(nkdump.Message, nkdump);
            }

            throw new InvalidOperationException(failure.Message, failure);
        }
    }

    /// <summary>
    /// Stops the threads. After a failure this waits until no worker touches a page any more: pages
    /// may be spans over the caller's mapped vmcore, which the caller unmaps next.
    /// </summary>
    public void Dispose()
    {
        if (!_completed)
        {
            _completed = true;
            _failed.Cancel();
            _work.CompleteAdding();
            _ordered.CompleteAdding();
            foreach (var worker in _workers)
            {
                worker.Join();
            }

            _writer?.Join();
        }

        // Every thread has stopped: no page view or chunk buffer is in use any more.
        foreach (var chunk in _chunks)
        {
            chunk.Dispose();
        }

        _inlineCompressor?.Dispose();
        _inlineView?.Dispose();
        _inlineLookahead?.Dispose();
        _identicalWriter?.Dispose();
        _failed.Dispose();
    }
}
