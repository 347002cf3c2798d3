using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Nkdump.Collector.Budget;
using Nkdump.Formats;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// Runs chunks through encoding and writing: worker threads encode chunks in any order, one writer
/// thread writes them strictly in the order they were dispatched, so the output is the same whatever
/// the number of workers. At most Workers × ChunksInFlightPerWorker chunks exist; the producer waits
/// for a free one (back-pressure), which bounds memory independently of the dump's size. The first
/// failure (a worker's read, the writer's full disk) stops everything and reaches the producer.
/// With one worker (a capture kernel runs on one CPU) there are no threads at all: each small chunk
/// is encoded and written on the caller's thread, which was both faster and 6 MiB smaller in the
/// capture kernel than hand-offs between threads that cannot run at once (issue 7's crashkernel=
/// measurements).
/// </summary>
internal sealed class ChunkScheduler : IDisposable
{
    /// <summary>Pages per chunk when everything runs on the caller's thread: 64 pages, 0.5 MiB of buffers.</summary>
    public const int InlineChunkPages = 64;

    private readonly Func<ChunkEncoder> _newEncoder;
    private readonly Action<PageChunk> _write;
    private readonly BlockingCollection<PageChunk> _free = new();
    private readonly BlockingCollection<PageChunk> _work = new();
    private readonly BlockingCollection<PageChunk> _ordered = new();
    private readonly Thread[] _workers;
    private readonly Thread? _writer;
    private readonly CancellationTokenSource _failed = new();

    // Every chunk made, to free their buffers once no thread uses them (Dispose).
    private readonly List<PageChunk> _chunks = [];

    // One worker: the only chunk and the caller's encoder.
    private readonly PageChunk? _inline;
    private readonly ChunkEncoder? _inlineEncoder;

    private Exception? _writerFailure;
    private bool _completed;

    /// <param name="workers">Encoding threads; 1 runs everything on the caller's thread.</param>
    /// <param name="chunkPages">Pages per chunk with threads (with one worker at most <see cref="InlineChunkPages"/>).</param>
    /// <param name="chunksPerWorker">Chunks in flight per worker.</param>
    /// <param name="pageSize">Bytes per page.</param>
    /// <param name="newEncoder">Makes one thread's encoder (called on that thread).</param>
    /// <param name="write">Writes an encoded chunk (called on the writer thread, in order).</param>
    public ChunkScheduler(int workers, int chunkPages, int chunksPerWorker, int pageSize, Func<ChunkEncoder> newEncoder, Action<PageChunk> write)
    {
        _newEncoder = newEncoder;
        _write = write;
        if (workers <= 1)
        {
            // One worker (a capture kernel booted with nr_cpus=1): threads would only add hand-offs
            // and buffers. Encode and write each chunk on the caller's thread, from one small chunk.
            _inline = new PageChunk(Math.Min(chunkPages, InlineChunkPages), pageSize);
            _chunks.Add(_inline);
            _inlineEncoder = newEncoder();
            _workers = [];
            return;
        }

        for (var i = 0; i < workers * chunksPerWorker; i++)
        {
            var chunk = new PageChunk(chunkPages, pageSize);
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

    /// <summary>An empty chunk to fill; waits while every chunk is in flight, throws the run's failure.</summary>
    public PageChunk Take()
    {
        ThrowIfFailed();
        PageChunk chunk;
        if (_inline is not null)
        {
            chunk = _inline;
        }
        else
        {
            try
            {
                chunk = _free.Take(_failed.Token);
            }
            catch (OperationCanceledException)
            {
                ThrowIfFailed();
                throw;
            }
        }

        chunk.Reset();
        return chunk;
    }

    /// <summary>Sends a filled chunk to be encoded and written after every chunk dispatched before it.</summary>
    public void Dispatch(PageChunk chunk)
    {
        if (_inline is not null)
        {
            _inlineEncoder!.Encode(chunk);
            _write(chunk);
            return;
        }

        _ordered.Add(chunk);
        _work.Add(chunk);
    }

    /// <summary>Waits until every dispatched chunk is written and stops the threads.</summary>
    public void Complete()
    {
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

    private void WorkerLoop()
    {
        using var encoder = _newEncoder();
        foreach (var chunk in _work.GetConsumingEnumerable())
        {
            try
            {
                // After a failure the run is being abandoned: touch no more pages.
                if (!_failed.IsCancellationRequested)
                {
                    encoder.Encode(chunk);
                }
            }
            catch (Exception e)
            {
                chunk.Failure = e;
            }

            chunk.Done.Set();
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

                _write(chunk);
                _free.Add(chunk);
            }
        }
        catch (Exception e)
        {
            _writerFailure = e;
            _failed.Cancel();
        }
    }

    /// <summary>Throws the run's failure on the producer's thread, keeping the kind callers act on.</summary>
    private void ThrowIfFailed()
    {
        if (_writerFailure is not { } failure)
        {
            return;
        }

        // IOExceptions from the writer (disk full) keep their type so callers can mark the dump incomplete.
        throw failure switch
        {
            IOException io => new IOException(io.Message, io),
            CaptureBudgetExhaustedException budget => new CaptureBudgetExhaustedException(budget.Message),
            DumpFormatException format => new DumpFormatException(format.FilePath, format.Offset, format.Problem),
            NkdumpException nkdump => new NkdumpException(nkdump.Message, nkdump),
            _ => new InvalidOperationException(failure.Message, failure),
        };
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

        _inlineEncoder?.Dispose();
        _failed.Dispose();
    }
}
