using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Output;

/// <summary>What a writer received: pages written, of which zero pages.</summary>
internal readonly record struct PagesCopied(long PagesWritten, long ZeroPages);

/// <summary>
/// Copies a writer's pages from a source through the pipeline and completes the writer: the page
/// numbers are queued in PFN order on this thread, read and encoded on the workers, written by the
/// pipeline's writer thread. A failure part-way (a full disk) leaves the file marked incomplete.
/// </summary>
internal static class PageCopy
{
    /// <param name="writer">The writer; its page set is <paramref name="pages"/> within [<paramref name="start"/>, <paramref name="end"/>).</param>
    /// <param name="progress">makedumpfile-style progress, or null.</param>
    public static PagesCopied Run(IDumpWriter writer, PageSource source, PfnBitmap pages, ulong start, ulong end, PipelineOptions options, ProgressReporter? progress)
    {
        var total = (ulong)writer.PageCount;
        ulong queued = 0;
        long zeroPages;
        using (var pipeline = new PagePipeline(writer, source, options))
        {
            for (var pfn = pages.NextSet(start); pfn < end; pfn = pages.NextSet(pfn + 1))
            {
                pipeline.Add(pfn);
                if ((++queued & 0xfff) == 0)
                {
                    progress?.Report("Copying data", (ulong)pipeline.PagesWritten, total);
                }
            }

            pipeline.Complete();
            zeroPages = pipeline.ZeroPages;
        }

        writer.Complete();
        progress?.Report("Copying data", total, total);
        return new PagesCopied(writer.PagesWritten, zeroPages);
    }
}
