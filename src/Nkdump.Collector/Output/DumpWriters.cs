using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Kernel;

namespace Nkdump.Collector.Output;

/// <summary>The page sets of a kdump-compressed file: its max_mapnr and both bitmaps.</summary>
/// <param name="MaxMapnr">One past the highest PFN of the crashed machine.</param>
/// <param name="Present">The frames memory has (the first bitmap).</param>
/// <param name="Dumped">The frames the file holds (the second bitmap): the writer's pages.</param>
internal sealed record KdumpPages(ulong MaxMapnr, PfnBitmap Present, PfnBitmap Dumped);

/// <summary>
/// Makes the dump writers for one opened dump: the one place where the writers take the dump's header
/// facts (utsname, crash time, phys_base, dump level; <see cref="KdumpHeaderFacts"/>) and its virtual
/// layout from the kernel session, each worked out once however many files are written.
/// </summary>
internal sealed class DumpWriters(IKernelDump dump)
{
    private readonly KernelSession _kernel = KernelSession.For(dump);
    private KdumpHeaderFacts? _facts;

    /// <summary>
    /// A kdump-compressed writer on <paramref name="output"/> (seekable: a file, or a flattened stream).
    /// <paramref name="dumpLevel"/> null keeps the dump's own (what convert does); <paramref name="split"/>
    /// makes one part of a --split set; <paramref name="anyOrder"/> lets pages come in any order (<see cref="KdumpWriterOptions.PagesInAnyOrder"/>).
    /// </summary>
    public KdumpWriter Kdump(Stream output, KdumpPages pages, PageCompression compression, int? dumpLevel = null, (ulong StartPfn, ulong EndPfn)? split = null, bool anyOrder = false)
    {
        var facts = _facts ??= _kernel.KdumpHeaderFacts();
        return new KdumpWriter(output, new KdumpWriterOptions
        {
            Compression = compression,
            PageSize = dump.Memory.PageSize,
            MaxMapnr = pages.MaxMapnr,
            Present = pages.Present,
            Dumped = pages.Dumped,
            Utsname = facts.Utsname,
            TimestampSeconds = facts.TimestampSeconds,
            PhysBase = facts.PhysBase,
            DumpLevel = dumpLevel ?? facts.DumpLevel,
            Notes = dump.Notes,
            SplitRange = split,
            PagesInAnyOrder = anyOrder,
        });
    }

    /// <summary>
    /// An ELF writer holding <paramref name="held"/> (any output, a pipe too). Like makedumpfile -E it
    /// keeps the vmcore's virtual addresses (direct map, kernel text map): drgn needs them.
    /// </summary>
    public ElfWriter Elf(Stream output, PfnBitmap held) => new(output, new ElfWriterOptions
    {
        PageSize = dump.Memory.PageSize,
        Ranges = dump.Memory.Ranges,
        Held = held,
        Notes = dump.Notes,
        Layout = _kernel.ElfVirtualLayout(),
    });
}
