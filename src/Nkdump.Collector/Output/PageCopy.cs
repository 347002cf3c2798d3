using Nkdump.Collector.Budget;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Output;

/// <summary>What a writer received: pages written, of which zero pages; and, when a capture budget cut the dump short, why.</summary>
internal readonly record struct PagesCopied(long PagesWritten, long ZeroPages, string? StoppedBy = null);

/// <summary>
/// Copies a writer's pages from a source through the pipeline and completes the writer: the page
/// numbers are queued on this thread (in PFN order, or pass by pass in a <see cref="WriteOrder"/>),
/// read and encoded on the workers, written by the pipeline's writer thread. A failure part-way (a
/// full disk) leaves the file marked incomplete; so does a capture budget that runs out, which is
/// not a failure: the file is finished as far as it got (<see cref="KdumpWriter.Stop"/>).
/// </summary>
internal static class PageCopy
{
    /// <param name="writer">The writer; its page set is <paramref name="pages"/> within [<paramref name="start"/>, <paramref name="end"/>).</param>
    /// <param name="progress">makedumpfile-style progress, or null.</param>
    public static PagesCopied Run(IDumpWriter writer, PageSource source, PfnBitmap pages, ulong start, ulong end, PipelineOptions options, ProgressReporter? progress) =>
        Run(writer, source, WriteOrder.ByPfn(pages), start, end, options, progress);

    /// <summary>As above, the pages queued pass by pass (<paramref name="order"/>; its last pass is the writer's page set).</summary>
    public static PagesCopied Run(IDumpWriter writer, PageSource source, WriteOrder order, ulong start, ulong end, PipelineOptions options, ProgressReporter? progress)
    {
        var total = (ulong)writer.PageCount;
        ulong queued = 0;
        string? stoppedBy = null;
        var pipeline = new PagePipeline(writer, source, options);
        try
        {
            for (var pass = 0; pass < order.Passes.Count; pass++)
            {
                foreach (var pfn in order.Frames(pass, start, end))
                {
                    pipeline.Add(pfn);
                    if ((++queued & 0xfff) == 0)
                    {
                        progress?.Report("Copying data", (ulong)pipeline.PagesWritten, total);
                    }
                }
            }

            pipeline.Complete();
        }
        catch (CaptureBudgetExhaustedException e) when (writer is KdumpWriter)
        {
            stoppedBy = e.Message;
        }
        finally
        {
            // After a stop this waits for the threads: then every page handed in is in the writer.
            pipeline.Dispose();
        }

        var zeroPages = pipeline.ZeroPages;
        if (stoppedBy is not null)
        {
            ((KdumpWriter)writer).Stop();
            return new PagesCopied(writer.PagesWritten, zeroPages, stoppedBy);
        }

        writer.Complete();
        progress?.Report("Copying data", total, total);
        return new PagesCopied(writer.PagesWritten, zeroPages);
    }
}
