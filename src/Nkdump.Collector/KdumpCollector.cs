using Nkdump.Collector.Filtering;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Kernel;

namespace Nkdump.Collector;

/// <summary>
/// Writes a kdump-compressed dump (one file, or one member of a --split set) from an opened dump:
/// the kept pages are queued in PFN order on this thread, read and encoded on the workers, and written by
/// the pipeline's writer thread through <see cref="KdumpWriter"/>. The writer starts the file
/// with the INCOMPLETE flag set and clears it only when every page is in, so a failure part-way
/// (a full disk) leaves a file that readers open up to its last page.
/// </summary>
public sealed class KdumpCollector(IKernelDump dump, PfnBitmap present, PfnBitmap kept, DumpLevel level, PageCompression compression, int workers, ProgressReporter progress)
{
    public CollectOutcome Write(Stream output, (ulong StartPfn, ulong EndPfn)? split, FilterStatistics statistics)
    {
        var facts = KernelSession.For(dump).KdumpHeaderFacts();
        var options = new KdumpWriterOptions
        {
            Compression = compression,
            PageSize = dump.Memory.PageSize,
            MaxMapnr = dump.Memory.MaxPfn,
            Present = present,
            Dumped = kept,
            Utsname = facts.Utsname,
            TimestampSeconds = facts.TimestampSeconds,
            PhysBase = facts.PhysBase,
            DumpLevel = (int)level,
            Notes = dump.Notes,
            SplitRange = split,
        };
        using var writer = new KdumpWriter(output, options);
        var sink = new KdumpWriterSink(writer);
        // Pages that repeat an earlier one are stored once, unless free pages are excluded: what
        // repeats is mostly free pages' stale contents and the page cache, and with them gone the
        // hashing cost more time (7 % at -d 31) than the 0.4-1.3 % of bytes it saved on the fixtures;
        // at -d 1 the files are 20 % smaller (docs/BENCHMARKS.md).
        var pipeline = new PipelineOptions(dump.Memory.PageSize, compression, DetectZeroPages: level.HasFlag(DumpLevel.Zero), workers,
            StoreIdenticalPagesOnce: !level.HasFlag(DumpLevel.Free));
        var start = split?.StartPfn ?? 0;
        var end = split?.EndPfn ?? kept.Bits;
        var total = (ulong)writer.DescriptorCount;
        ulong read = 0;
        // An ELF vmcore is read by the workers themselves; a compressed input (one decompressor)
        // is read here and handed over.
        var source = new SharedPageSource(dump.Memory, dump.Path);
        var shared = dump.Memory.ConcurrentReads;
        using (var encoder = new ParallelPageEncoder(pipeline, sink, shared ? source : null))
        {
            for (var pfn = kept.NextSet(start); pfn < end; pfn = kept.NextSet(pfn + 1))
            {
                if (shared)
                {
                    encoder.Enqueue(pfn);
                }
                else
                {
                    source.Read(pfn, encoder.NextPage(pfn));
                    encoder.Commit();
                }

                if ((++read & 0xfff) == 0)
                {
                    progress.Report("Copying data", (ulong)encoder.PagesWritten, total);
                }
            }

            encoder.Complete();
        }

        writer.Complete();
        progress.Report("Copying data", total, total);
        return new CollectOutcome(writer.PagesWritten, sink.ZeroPages, writer.DescriptorCount, statistics);
    }
}
