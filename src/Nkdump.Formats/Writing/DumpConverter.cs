using Nkdump.Formats.Codecs;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.Kdump;

namespace Nkdump.Formats.Writing;

/// <summary>The output formats of <see cref="DumpConverter"/>.</summary>
public enum OutputFormat
{
    Kdump,
    Elf,
    Flat,
}

/// <summary>What a conversion wrote.</summary>
public sealed record ConvertResult(long PagesWritten, long ZeroPages, long ExcludedPages, long UnreadablePages);

/// <summary>
/// Rewrites an opened dump in another format or compression with page contents preserved:
/// every page the input holds is in the output with the same bytes; excluded pages stay excluded.
/// Pages the input has lost (incomplete or corrupt) are left out and counted. What the kernel says
/// (the kdump header's facts, an ELF output's virtual addresses) comes from the caller: the kernel
/// layer works it out (Nkdump.Kernel's KernelSession).
/// </summary>
public static class DumpConverter
{
    public static ConvertResult Convert(IKernelDump input, Stream output, OutputFormat format, PageCompression compression, KdumpHeaderFacts headerFacts, ElfVirtualLayout elfLayout)
    {
        if (format == OutputFormat.Elf)
        {
            return ConvertToElf(input, output, elfLayout);
        }

        if (format == OutputFormat.Flat)
        {
            using var flat = new FlattenedWriteStream(output, leaveOpen: true);
            var result = ConvertToKdump(input, flat, compression, headerFacts);
            flat.Finish();
            return result;
        }

        return ConvertToKdump(input, output, compression, headerFacts);
    }

    private static ConvertResult ConvertToElf(IKernelDump input, Stream output, ElfVirtualLayout layout)
    {
        var counts = Count(input.Memory);
        ElfWriter.Write(input.Memory, input.Notes, output, layout);
        return counts;
    }

    private static ConvertResult ConvertToKdump(IKernelDump input, Stream output, PageCompression compression, KdumpHeaderFacts facts)
    {
        var memory = input.Memory;
        var maxMapnr = input is KdumpDump kdump ? kdump.Header.MaxMapnr : memory.MaxPfn;
        var present = new PfnBitmap(maxMapnr);
        var dumped = new PfnBitmap(maxMapnr);
        long zero = 0, excluded = 0, unreadable = 0;
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < Math.Min(range.EndPfn, maxMapnr); pfn++)
            {
                var state = memory.GetPageState(pfn);
                switch (state)
                {
                    case PageState.Present:
                    case PageState.Zero:
                        present[pfn] = true;
                        dumped[pfn] = true;
                        break;
                    case PageState.Excluded:
                        present[pfn] = true;
                        excluded++;
                        break;
                    case PageState.Incomplete:
                    case PageState.Corrupt:
                        present[pfn] = true;
                        unreadable++;
                        break;
                }
            }
        }

        var options = new KdumpWriterOptions
        {
            Compression = compression,
            PageSize = memory.PageSize,
            MaxMapnr = maxMapnr,
            Present = present,
            Dumped = dumped,
            Utsname = facts.Utsname,
            TimestampSeconds = facts.TimestampSeconds,
            PhysBase = facts.PhysBase,
            DumpLevel = facts.DumpLevel,
            Notes = input.Notes,
        };
        using var writer = new KdumpWriter(output, options);
        var source = input is KdumpDump kdumpInput && kdumpInput.Header.Compression == compression ? kdumpInput : null;
        var page = new byte[memory.PageSize];
        long written = 0;
        for (var pfn = dumped.NextSet(0); pfn < maxMapnr; pfn = dumped.NextSet(pfn + 1))
        {
            if (!memory.TryRead(pfn * (ulong)memory.PageSize, page, out var failure))
            {
                throw new NkdumpException($"{input.Path}: cannot read {failure}");
            }

            var isZero = page.AsSpan().IndexOfAnyExcept((byte)0) < 0;
            if (isZero)
            {
                zero++;
                writer.WriteZeroPage(pfn);
            }
            else if (source is not null && source.TryGetStored(pfn, out var stored, out var storedAs)
                && (storedAs == compression || storedAs == PageCompression.None))
            {
                // The source file uses the target's compression: copy the stored bytes (already verified
                // by the read above) instead of recompressing; a raw page there did not shrink either.
                writer.WriteStored(pfn, stored, compressed: storedAs != PageCompression.None);
            }
            else
            {
                writer.WritePage(pfn, page);
            }
            written++;
        }

        writer.Complete();
        return new ConvertResult(written, zero, excluded, unreadable);
    }

    private static ConvertResult Count(IPhysicalMemory memory)
    {
        long written = 0, zero = 0, excluded = 0, unreadable = 0;
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                switch (memory.GetPageState(pfn))
                {
                    case PageState.Present:
                        written++;
                        break;
                    case PageState.Zero:
                        written++;
                        zero++;
                        break;
                    case PageState.Excluded:
                        excluded++;
                        break;
                    case PageState.Incomplete:
                    case PageState.Corrupt:
                        unreadable++;
                        break;
                }
            }
        }

        return new ConvertResult(written, zero, excluded, unreadable);
    }
}
