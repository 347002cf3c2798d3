using System.Buffers.Binary;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Writing;

/// <summary>A virtual mapping to describe with extra PT_LOADs that alias the physical data (the kernel text map).</summary>
public readonly record struct VirtualAlias(ulong VirtualAddress, ulong PhysicalAddress, ulong Length);

/// <summary>
/// Virtual addresses for the ELF program headers, as /proc/vmcore has them: the direct-map base
/// (p_vaddr = base + p_paddr; null leaves p_vaddr 0) and the kernel text map, which readers such as
/// drgn need to find the page tables before they can translate anything.
/// </summary>
public sealed record ElfVirtualLayout(ulong? DirectMapBase, IReadOnlyList<VirtualAlias> Aliases);

/// <summary>
/// The headers of an ELF64 x86_64 core, all computed before the first byte so that the output may be
/// a pipe: one PT_NOTE with the notes; like /proc/vmcore, first the PT_LOADs of the kernel text map
/// (aliases of the same file bytes, no copy), then one PT_LOAD per run of held pages by physical
/// address (a run never spans two of memory's ranges). The page data starts page-aligned after the
/// notes, every held page in PFN order, so the k-th held page lies at <see cref="DataOffset"/> + k pages.
/// </summary>
internal sealed class ElfCoreLayout
{
    private readonly byte[] _head;

    public ElfCoreLayout(ElfWriterOptions options, bool markIncomplete)
    {
        var pageSize = (ulong)options.PageSize;
        var runs = Runs(options.Ranges, options.Held);
        using var noteBytes = new MemoryStream();
        foreach (var note in options.Notes)
        {
            note.WriteTo(noteBytes);
        }

        // Where each run's bytes will be, to point the aliases at them.
        var aliases = new List<(ulong Vaddr, ulong Paddr, ulong Size, int Run)>();
        foreach (var alias in options.Layout?.Aliases ?? [])
        {
            var aliasEnd = alias.PhysicalAddress + alias.Length;
            for (var r = 0; r < runs.Count; r++)
            {
                var start = Math.Max(runs[r].StartPfn * pageSize, alias.PhysicalAddress);
                var end = Math.Min(runs[r].EndPfn * pageSize, aliasEnd);
                if (start < end)
                {
                    aliases.Add((alias.VirtualAddress + (start - alias.PhysicalAddress), start, end - start, r));
                }
            }
        }

        var phnum = aliases.Count + runs.Count + 1;
        var extended = phnum >= ElfLayout.PnXnum;
        var phoff = (ulong)ElfLayout.EhdrSize;
        var shoff = extended ? phoff + ((ulong)phnum * ElfLayout.PhdrSize) : 0;
        var notesOffset = phoff + ((ulong)phnum * ElfLayout.PhdrSize) + (extended ? (ulong)ElfLayout.ShdrSize : 0);
        var dataOffset = (notesOffset + (ulong)noteBytes.Length + pageSize - 1) / pageSize * pageSize;
        DataOffset = (long)dataOffset;

        using var head = new MemoryStream();
        var ehdr = new byte[ElfLayout.EhdrSize];
        ElfLayout.Magic.CopyTo(ehdr);
        ehdr[ElfLayout.EIdentClass] = ElfLayout.ElfClass64;
        ehdr[ElfLayout.EIdentData] = ElfLayout.ElfData2Lsb;
        ehdr[ElfLayout.EIdentVersion] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EType), ElfLayout.EtCore);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EMachine), ElfLayout.EmX86_64);
        BinaryPrimitives.WriteUInt32LittleEndian(ehdr.AsSpan(ElfLayout.EVersion), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(ehdr.AsSpan(ElfLayout.EPhoff), phoff);
        BinaryPrimitives.WriteUInt64LittleEndian(ehdr.AsSpan(ElfLayout.EShoff), shoff);
        BinaryPrimitives.WriteUInt32LittleEndian(ehdr.AsSpan(ElfLayout.EFlags), markIncomplete ? ElfLayout.DumpElfIncomplete : 0);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EEhsize), ElfLayout.EhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EPhentsize), ElfLayout.PhdrSize);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EPhnum), extended ? ElfLayout.PnXnum : (ushort)phnum);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EShentsize), extended ? (ushort)ElfLayout.ShdrSize : (ushort)0);
        BinaryPrimitives.WriteUInt16LittleEndian(ehdr.AsSpan(ElfLayout.EShnum), extended ? (ushort)1 : (ushort)0);
        head.Write(ehdr);

        var ph = new byte[ElfLayout.PhdrSize];
        WritePhdr(head, ph, ElfLayout.PtNote, notesOffset, 0, (ulong)noteBytes.Length, 0);
        var runOffsets = new ulong[runs.Count];
        var offset = dataOffset;
        for (var r = 0; r < runs.Count; r++)
        {
            runOffsets[r] = offset;
            offset += runs[r].Count * pageSize;
        }

        foreach (var (vaddr, paddr, size, run) in aliases)
        {
            WritePhdr(head, ph, ElfLayout.PtLoad, runOffsets[run] + (paddr - (runs[run].StartPfn * pageSize)), paddr, size, vaddr);
        }

        for (var r = 0; r < runs.Count; r++)
        {
            var paddr = runs[r].StartPfn * pageSize;
            var vaddr = options.Layout?.DirectMapBase is ulong directMap ? unchecked(directMap + paddr) : 0;
            WritePhdr(head, ph, ElfLayout.PtLoad, runOffsets[r], paddr, runs[r].Count * pageSize, vaddr);
        }

        if (extended)
        {
            // gABI extended numbering: section header 0 holds the real program header count in sh_info.
            var shdr = new byte[ElfLayout.ShdrSize];
            BinaryPrimitives.WriteUInt32LittleEndian(shdr.AsSpan(ElfLayout.ShInfo), (uint)phnum);
            head.Write(shdr);
        }

        noteBytes.Position = 0;
        noteBytes.CopyTo(head);
        head.Write(new byte[dataOffset - notesOffset - (ulong)noteBytes.Length]);
        _head = head.ToArray();
    }

    /// <summary>Where the first held page's bytes go.</summary>
    public long DataOffset { get; }

    /// <summary>Everything before the page data: ELF header, program headers, notes, padding.</summary>
    public ReadOnlySpan<byte> Head => _head;

    /// <summary>The runs of held pages, range by range (the ranges are sorted and disjoint).</summary>
    private static List<PfnRange> Runs(IReadOnlyList<PfnRange> ranges, PfnBitmap held)
    {
        var runs = new List<PfnRange>();
        foreach (var range in ranges)
        {
            var end = Math.Min(range.EndPfn, held.Bits);
            for (var start = held.NextSet(range.StartPfn); start < end;)
            {
                var stop = start + 1;
                while (stop < end && held[stop])
                {
                    stop++;
                }

                runs.Add(new PfnRange(start, stop));
                start = held.NextSet(stop);
            }
        }

        return runs;
    }

    private static void WritePhdr(Stream output, byte[] ph, uint type, ulong offset, ulong paddr, ulong size, ulong vaddr)
    {
        Array.Clear(ph);
        BinaryPrimitives.WriteUInt32LittleEndian(ph.AsSpan(ElfLayout.PType), type);
        BinaryPrimitives.WriteUInt32LittleEndian(ph.AsSpan(ElfLayout.PFlags), type == ElfLayout.PtLoad ? 7u : 0u);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(ElfLayout.POffset), offset);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(ElfLayout.PVaddr), vaddr);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(ElfLayout.PPaddr), paddr);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(ElfLayout.PFilesz), size);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(ElfLayout.PMemsz), size);
        BinaryPrimitives.WriteUInt64LittleEndian(ph.AsSpan(ElfLayout.PAlign), 0UL);
        output.Write(ph);
    }
}
