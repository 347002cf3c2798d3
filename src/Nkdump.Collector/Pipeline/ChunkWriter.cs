using Nkdump.Collector.Budget;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// The writer thread's side of the pipeline: hands each encoded chunk to the dump writer, as one run
/// (its stored bytes lie back to back in the chunk's output) or, when identical pages are stored once,
/// page by page through <see cref="IdenticalPageWriter"/>. Counts what it wrote. With a capture budget
/// it writes the pages of a chunk that still fit and then stops the pipeline
/// (<see cref="CaptureBudgetExhaustedException"/>).
/// </summary>
internal sealed class ChunkWriter(IDumpWriter writer, IdenticalPageWriter? identical, CaptureBudget? budget = null, Func<long>? fileBytes = null) : IDisposable
{
    private long _pagesWritten;

    /// <summary>Pages handed to the dump writer so far (read from any thread, for progress).</summary>
    public long PagesWritten => Interlocked.Read(ref _pagesWritten);

    /// <summary>Pages written as zero pages.</summary>
    public long ZeroPages { get; private set; }

    public void Write(PageChunk chunk)
    {
        var count = budget is null ? chunk.Count : budget.PagesThatFit(chunk, chunk.Count, fileBytes!());
        for (var i = 0; i < count; i++)
        {
            ZeroPages += chunk.Encodings[i] == PageEncoding.Zero ? 1 : 0;
        }

        if (identical is null)
        {
            var bytes = count == 0 ? 0 : chunk.Offsets[count - 1] + chunk.Lengths[count - 1];
            writer.WritePages(chunk.Pfns.AsSpan(0, count), chunk.Encodings.AsSpan(0, count), chunk.Lengths.AsSpan(0, count), chunk.Output[..bytes]);
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                var bytes = chunk.Output.Slice(chunk.Offsets[i], chunk.Lengths[i]);
                if (chunk.Encodings[i] == PageEncoding.Zero)
                {
                    writer.WritePage(chunk.Pfns[i], PageEncoding.Zero, bytes);
                }
                else
                {
                    identical.Write(chunk.Pfns[i], chunk.Duplicates[i], chunk.Encodings[i], bytes, chunk.Hashes[i], chunk.Matches[i]);
                }
            }
        }

        Interlocked.Add(ref _pagesWritten, count);
        if (count < chunk.Count)
        {
            throw budget!.Exhausted();
        }
    }

    public void Dispose() => identical?.Dispose();
}
