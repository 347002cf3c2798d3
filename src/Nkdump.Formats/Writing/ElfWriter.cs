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
/// Writes an ELF64 x86_64 core: one PT_NOTE with the notes; like /proc/vmcore, first the PT_LOADs of
/// the kernel text map (aliases of the same file bytes, no copy), then one PT_LOAD per run of pages
/// the memory holds (present or zero) by physical address. Excluded pages are left out. Everything is
/// computed before the first byte, so the output may be a pipe.
/// On a seekable output the header goes out with makedumpfile's incomplete bit in e_flags
/// (DUMP_ELF_INCOMPLETE), cleared only after the last page is written: a write that fails (disk full),
/// or a collector that dies, leaves a file marked incomplete whose headers and pages up to the failure
/// are intact. makedumpfile sets the bit after an ENOSPC instead, which a crash of its own cannot do.
/// </summary>
public static class ElfWriter
{
    /// <summary>Pages copied per read and write (1 MiB with 4 KiB pages): few system calls, small memory.</summary>
    private const int PagesPerWrite = 256;

    public static void Write(IPhysicalMemory memory, IReadOnlyList<ElfNote> notes, Stream output, ElfVirtualLayout? layout = null)
    {
        var pageSize = (ulong)memory.PageSize;
        var runs = new List<PfnRange>();
        foreach (var range in memory.Ranges)
        {
            ulong? start = null;
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                var held = memory.GetPageState(pfn) is PageState.Present or PageState.Zero;
                if (held && start is null)
                {
                    start = pfn;
                }
                else if (!held && start is not null)
                {
                    runs.Add(new PfnRange(start.Value, pfn));
                    start = null;
                }
            }

            if (start is not null)
            {
                runs.Add(new PfnRange(start.Value, range.EndPfn));
            }
        }

        using var noteBytes = new MemoryStream();
        foreach (var note in notes)
        {
            note.WriteTo(noteBytes);
        }

        // Where each run's bytes will be, to point the aliases at them.
        var aliases = new List<(ulong Vaddr, ulong Paddr, ulong Size, int Run)>();
        foreach (var alias in layout?.Aliases ?? [])
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

        var markIncomplete = output.CanSeek;
        var headerAt = markIncomplete ? output.Position : 0;
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
        output.Write(ehdr);

        var ph = new byte[ElfLayout.PhdrSize];
        WritePhdr(output, ph, ElfLayout.PtNote, notesOffset, 0, (ulong)noteBytes.Length, 0);
        var runOffsets = new ulong[runs.Count];
        var offset = dataOffset;
        for (var r = 0; r < runs.Count; r++)
        {
            runOffsets[r] = offset;
            offset += runs[r].Count * pageSize;
        }

        foreach (var (vaddr, paddr, size, run) in aliases)
        {
            WritePhdr(output, ph, ElfLayout.PtLoad, runOffsets[run] + (paddr - (runs[run].StartPfn * pageSize)), paddr, size, vaddr);
        }

        for (var r = 0; r < runs.Count; r++)
        {
            var paddr = runs[r].StartPfn * pageSize;
            var vaddr = layout?.DirectMapBase is ulong directMap ? unchecked(directMap + paddr) : 0;
            WritePhdr(output, ph, ElfLayout.PtLoad, runOffsets[r], paddr, runs[r].Count * pageSize, vaddr);
        }

        if (extended)
        {
            // gABI extended numbering: section header 0 holds the real program header count in sh_info.
            var shdr = new byte[ElfLayout.ShdrSize];
            BinaryPrimitives.WriteUInt32LittleEndian(shdr.AsSpan(ElfLayout.ShInfo), (uint)phnum);
            output.Write(shdr);
        }

        noteBytes.Position = 0;
        noteBytes.CopyTo(output);
        output.Write(new byte[dataOffset - notesOffset - (ulong)noteBytes.Length]);

        var buffer = new byte[PagesPerWrite * (int)pageSize];
        foreach (var run in runs)
        {
            for (var pfn = run.StartPfn; pfn < run.EndPfn; pfn += PagesPerWrite)
            {
                var bytes = (int)(Math.Min(PagesPerWrite, run.EndPfn - pfn) * pageSize);
                if (!memory.TryRead(pfn * pageSize, buffer.AsSpan(0, bytes), out var failure))
                {
                    throw new NkdumpException($"cannot read {failure} while writing the ELF dump");
                }

                output.Write(buffer, 0, bytes);
            }
        }

        output.Flush();
        if (markIncomplete)
        {
            // Every page is out: only now does the header say the dump is complete.
            var end = output.Position;
            output.Position = headerAt + ElfLayout.EFlags;
            output.Write(new byte[4]);
            output.Position = end;
            output.Flush();
        }
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
