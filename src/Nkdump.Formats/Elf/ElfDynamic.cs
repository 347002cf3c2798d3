using System.Buffers.Binary;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats.Elf;

/// <summary>One dynamic entry (Elf64_Dyn): a DT_* tag and its value or address.</summary>
public readonly record struct ElfDynamicEntry(long Tag, ulong Value);

/// <summary>
/// The dynamic section (PT_DYNAMIC) of a program or shared library: its entries up to DT_NULL and
/// the strings the loader needs from them. DT_RPATH and DT_RUNPATH are colon-separated lists in the
/// file; each is split here.
/// </summary>
public sealed record ElfDynamic(
    IReadOnlyList<ElfDynamicEntry> Entries,
    IReadOnlyList<string> Needed,
    string? SoName,
    IReadOnlyList<string> RunPath,
    IReadOnlyList<string> RPath);

/// <summary>Reading PT_DYNAMIC.</summary>
public sealed partial class ElfFile
{
    /// <summary>The dynamic section, or null when the file has no PT_DYNAMIC (a static program, a vmlinux, a core).</summary>
    public ElfDynamic? ReadDynamic()
    {
        var index = FindSegment(ElfLayout.PtDynamic);
        if (index < 0)
        {
            return null;
        }

        var segment = Segments[index];
        var at = ProgramHeaderOffset(index);
        if (segment.FileSize / ElfLayout.DynSize > InputLimits.Elf.DynamicEntries)
        {
            throw new DumpFormatException(Path, at + ElfLayout.PFilesz, $"PT_DYNAMIC of {segment.FileSize} bytes holds more than {InputLimits.Elf.DynamicEntries} entries");
        }

        var bytes = ReadRange(segment.Offset, segment.FileSize, InputLimits.Elf.DynamicEntries * ElfLayout.DynSize, at + ElfLayout.POffset, "PT_DYNAMIC");
        var entries = new List<ElfDynamicEntry>();
        for (var offset = 0; offset + ElfLayout.DynSize <= bytes.Length; offset += ElfLayout.DynSize)
        {
            var tag = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset + ElfLayout.DTag));
            if (tag == ElfLayout.DtNull)
            {
                break;
            }

            entries.Add(new ElfDynamicEntry(tag, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset + ElfLayout.DVal))));
        }

        var needed = new List<string>();
        var runPath = new List<string>();
        var rPath = new List<string>();
        string? soName = null;
        var strings = new Lazy<ElfStringTable>(() => ReadDynamicStrings(entries, (long)segment.Offset));
        for (var i = 0; i < entries.Count; i++)
        {
            var (tag, value) = entries[i];
            if (tag is not (ElfLayout.DtNeeded or ElfLayout.DtSoname or ElfLayout.DtRunpath or ElfLayout.DtRpath))
            {
                continue;
            }

            var valueAt = (long)segment.Offset + (i * ElfLayout.DynSize) + ElfLayout.DVal;
            var text = value > uint.MaxValue
                ? throw new DumpFormatException(Path, valueAt, $"dynamic entry {i}: string offset {value} is past DT_STRSZ")
                : strings.Value.Get((uint)value, valueAt, $"dynamic entry {i} (tag {tag})");
            switch (tag)
            {
                case ElfLayout.DtNeeded: needed.Add(text); break;
                case ElfLayout.DtSoname: soName = text; break;
                case ElfLayout.DtRunpath: runPath.AddRange(text.Split(':', StringSplitOptions.RemoveEmptyEntries)); break;
                default: rPath.AddRange(text.Split(':', StringSplitOptions.RemoveEmptyEntries)); break;
            }
        }

        return new ElfDynamic(entries, needed, soName, runPath, rPath);
    }

    /// <summary>The dynamic string table: DT_STRTAB is a virtual address, found in the PT_LOAD that holds it.</summary>
    private ElfStringTable ReadDynamicStrings(List<ElfDynamicEntry> entries, long dynamicAt)
    {
        ulong? address = null, size = null;
        foreach (var (tag, value) in entries)
        {
            address = tag == ElfLayout.DtStrtab ? value : address;
            size = tag == ElfLayout.DtStrsz ? value : size;
        }

        if (address is not { } strtab || size is not { } strsz || strsz == 0 || strsz > InputLimits.Elf.DynamicStringBytes)
        {
            throw new DumpFormatException(Path, dynamicAt, $"the dynamic section lacks a usable DT_STRTAB/DT_STRSZ (DT_STRSZ {size?.ToString() ?? "missing"}, limit {InputLimits.Elf.DynamicStringBytes})");
        }

        var offset = FileOffsetOf(strtab, strsz)
            ?? throw new DumpFormatException(Path, dynamicAt, $"DT_STRTAB 0x{strtab:x} (+{strsz}) is not inside a loaded segment");
        return new ElfStringTable(ReadRange(offset, strsz, InputLimits.Elf.DynamicStringBytes, dynamicAt, "DT_STRTAB"), Path);
    }
}
