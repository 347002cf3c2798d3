using Nkdump.Formats.Codecs;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Writing;

/// <summary>What a kdump-compressed file's headers say: filled like makedumpfile fills them.</summary>
public sealed class KdumpWriterOptions
{
    public required PageCompression Compression { get; init; }

    public int PageSize { get; init; } = 4096;

    /// <summary>One past the highest PFN of the crashed machine (max_mapnr).</summary>
    public required ulong MaxMapnr { get; init; }

    /// <summary>PFNs that exist in memory (the first bitmap).</summary>
    public required PfnBitmap Present { get; init; }

    /// <summary>PFNs whose pages are in the dump (the second bitmap); one descriptor each.</summary>
    public required PfnBitmap Dumped { get; init; }

    /// <summary>new_utsname: sysname, nodename, release, version, machine, domainname.</summary>
    public IReadOnlyList<string> Utsname { get; init; } = ["", "", "", "", "", ""];

    /// <summary>The header timestamp; makedumpfile writes the crash time (VMCOREINFO CRASHTIME) when it has one.</summary>
    public long TimestampSeconds { get; init; }

    public ulong PhysBase { get; init; }

    public int DumpLevel { get; init; }

    /// <summary>The ELF notes to copy (NT_PRSTATUS per CPU, VMCOREINFO).</summary>
    public IReadOnlyList<ElfNote> Notes { get; init; } = [];

    /// <summary>
    /// Pages may come in any order (each once): the collector writes the most important first when a
    /// capture budget may cut the dump short. False: PFN order, as makedumpfile writes.
    /// </summary>
    public bool PagesInAnyOrder { get; init; }

    /// <summary>For one part of a split set: the PFN range this file holds. Null: the whole dump.</summary>
    public (ulong StartPfn, ulong EndPfn)? SplitRange { get; init; }
}
