using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;

namespace Nkdump.Collector.Output;

/// <summary>The output formats of <see cref="DumpConverter"/>.</summary>
public enum OutputFormat
{
    Kdump,
    Elf,
    Flat,
}

/// <summary>What a conversion wrote; <paramref name="PartialPages"/> of the pages were only partly in the input (the rest written as zeros).</summary>
public sealed record ConvertResult(long PagesWritten, long ZeroPages, long ExcludedPages, long UnreadablePages, long PartialPages = 0);

/// <summary>
/// Rewrites an opened dump in another format or compression with page contents preserved: the
/// collector's pipeline at dump level 0 over every page the input holds. Every such page is in the
/// output with the same bytes (all-zero ones as zero pages); excluded pages stay excluded. Pages
/// the input has lost (incomplete or corrupt) are left out and counted. A page an ELF input has only
/// in part is written whole, the missing bytes as zeros, and counted. A kdump-compressed input's
/// stored bytes are copied as they are when the output has its compression (<see cref="PageSource.CopyingStoredPages"/>).
/// </summary>
public static class DumpConverter
{
    /// <param name="workers">Encoding threads; 0: one per CPU.</param>
    public static ConvertResult Convert(IKernelDump input, Stream output, OutputFormat format, PageCompression compression, int workers = 0)
    {
        var maxMapnr = input is KdumpDump kdumpInput ? kdumpInput.Header.MaxMapnr : input.Memory.MaxPfn;
        if (format != OutputFormat.Elf)
        {
            KdumpBitmapLimit.Check(input, maxMapnr, "--format elf");
        }

        var census = Census.Of(input, maxMapnr);
        var writers = new DumpWriters(input);
        var options = new PipelineOptions(DetectZeroPages: true, workers > 0 ? workers : Environment.ProcessorCount, StoreIdenticalPagesOnce: true);
        var source = PageSource.CopyingStoredPages(input);
        PagesCopied copied;
        if (format == OutputFormat.Elf)
        {
            using var elf = writers.Elf(output, census.Held);
            copied = PageCopy.Run(elf, source, census.Held, 0, census.Held.Bits, options, progress: null);
        }
        else
        {
            using var flat = format == OutputFormat.Flat ? new FlattenedWriteStream(output, leaveOpen: true) : null;
            using (var kdump = writers.Kdump(flat ?? output, new KdumpPages(census.MaxMapnr, census.Present, census.Held), compression))
            {
                copied = PageCopy.Run(kdump, source, census.Held, 0, census.Held.Bits, options, progress: null);
            }

            flat?.Finish();
        }

        return new ConvertResult(copied.PagesWritten, copied.ZeroPages, census.Excluded, census.Unreadable, census.Partial);
    }

    /// <summary>The input's pages by state: present and held (present, zero or partial) bitmaps, excluded, lost and partial counts.</summary>
    private sealed record Census(ulong MaxMapnr, PfnBitmap Present, PfnBitmap Held, long Excluded, long Unreadable, long Partial)
    {
        /// <summary>Asks once per run of frames in one state (<see cref="PageStateRuns"/>), so a huge zero-filled ELF tail costs one question.</summary>
        public static Census Of(IKernelDump input, ulong maxMapnr)
        {
            var memory = input.Memory;
            var present = new PfnBitmap(maxMapnr);
            var held = new PfnBitmap(maxMapnr);
            long excluded = 0, unreadable = 0, partial = 0;
            foreach (var run in PageStateRuns.Of(memory, end: maxMapnr))
            {
                if (run.State != PageState.NotInDump)
                {
                    present.SetRange(run.Start, run.End);
                }

                switch (run.State)
                {
                    case PageState.Present:
                    case PageState.Zero:
                        held.SetRange(run.Start, run.End);
                        break;
                    case PageState.Partial:
                        held.SetRange(run.Start, run.End);
                        partial += run.Count;
                        break;
                    case PageState.Excluded:
                        excluded += run.Count;
                        break;
                    case PageState.Incomplete:
                    case PageState.Corrupt:
                        unreadable += run.Count;
                        break;
                }
            }

            return new Census(maxMapnr, present, held, excluded, unreadable, partial);
        }
    }
}
