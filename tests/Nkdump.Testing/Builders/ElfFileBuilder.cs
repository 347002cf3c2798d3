using System.Buffers.Binary;
using System.Text;

namespace Nkdump.Testing.Builders;

/// <summary>One symbol for <see cref="ElfFileBuilder.SymbolTable"/>: st_info is (binding &lt;&lt; 4) | type.</summary>
internal readonly record struct BuiltSymbol(string Name, ulong Value, ulong Size, byte Info, ushort Section);

/// <summary>An ELF file built by <see cref="ElfFileBuilder"/> and where its parts went, for tests that damage it.</summary>
internal sealed record BuiltElf(byte[] Bytes, long SectionHeaderOffset, IReadOnlyList<long> SectionOffsets, long ProgramHeaderOffset)
{
    /// <summary>The file offset of section header <paramref name="index"/>.</summary>
    public int SectionHeaderAt(int index) => (int)SectionHeaderOffset + (index * 64);
}

/// <summary>
/// Builds ELF64 little-endian files with sections for tests of the ELF reader, independently of
/// nkdump's code (the offsets are written out here from the gABI): a null section 0, the sections
/// added, then .shstrtab (e_shstrndx) and the section header table at the end. Allocated sections
/// get sh_addr = their file offset, so one PT_LOAD at 0 maps them (<see cref="LoadEverything"/>).
/// </summary>
internal sealed class ElfFileBuilder
{
    private readonly List<SectionSpec> _sections = [];
    private readonly List<(uint Type, string? Section)> _segments = [];

    /// <summary>e_type: 1 (ET_REL, a kernel module) by default; 2 ET_EXEC, 3 ET_DYN, 4 ET_CORE.</summary>
    public ushort Type { get; set; } = 1;

    public ushort Machine { get; set; } = 62;

    /// <summary>Adds a section and returns its index (section 0 is the null section).</summary>
    public int Section(string name, uint type, byte[] data, ulong flags = 0, uint link = 0, uint info = 0, ulong entrySize = 0, ulong alignment = 1) =>
        Add(new SectionSpec(name, type, flags, link, info, entrySize, alignment, data.Length, _ => data));

    /// <summary>An SHT_NOTE section holding the notes given, each padded to 4 bytes.</summary>
    public int NoteSection(string name, params (string Owner, uint Type, byte[] Descriptor)[] notes) =>
        Section(name, 7, Notes(notes), flags: 2, alignment: 4);

    /// <summary>A string table of its own and a symbol table (sh_type 2 SHT_SYMTAB or 11 SHT_DYNSYM) linked to it; returns the table's index.</summary>
    public int SymbolTable(string name, string stringsName, uint type, params BuiltSymbol[] symbols)
    {
        var strings = new StringTable();
        var table = new byte[(symbols.Length + 1) * 24];
        for (var i = 0; i < symbols.Length; i++)
        {
            var s = table.AsSpan((i + 1) * 24, 24);
            BinaryPrimitives.WriteUInt32LittleEndian(s, strings.Add(symbols[i].Name));
            s[4] = symbols[i].Info;
            BinaryPrimitives.WriteUInt16LittleEndian(s[6..], symbols[i].Section);
            BinaryPrimitives.WriteUInt64LittleEndian(s[8..], symbols[i].Value);
            BinaryPrimitives.WriteUInt64LittleEndian(s[16..], symbols[i].Size);
        }

        var stringsIndex = Section(stringsName, 3, strings.ToArray());
        return Section(name, type, table, link: (uint)stringsIndex, info: 1, entrySize: 24, alignment: 8);
    }

    /// <summary>
    /// .interp (PT_INTERP) when <paramref name="interpreter"/> is given, .dynstr and .dynamic
    /// (PT_DYNAMIC) with DT_NEEDED, DT_SONAME, DT_RUNPATH, DT_RPATH, DT_STRTAB, DT_STRSZ and DT_NULL,
    /// and one PT_LOAD over the whole file.
    /// </summary>
    public ElfFileBuilder Dynamic(string? interpreter, string[] needed, string? soName = null, string? runPath = null, string? rPath = null)
    {
        if (interpreter is not null)
        {
            Section(".interp", 1, Encoding.UTF8.GetBytes(interpreter + "\0"), flags: 2);
            _segments.Add((3, ".interp"));
        }

        var strings = new StringTable();
        var entries = new List<(long Tag, ulong Value)>();
        entries.AddRange(needed.Select(n => (1L, (ulong)strings.Add(n))));
        if (soName is not null)
        {
            entries.Add((14, strings.Add(soName)));
        }

        if (runPath is not null)
        {
            entries.Add((29, strings.Add(runPath)));
        }

        if (rPath is not null)
        {
            entries.Add((15, strings.Add(rPath)));
        }

        var dynstr = strings.ToArray();
        Section(".dynstr", 3, dynstr, flags: 2);
        var size = (entries.Count + 3) * 16;
        Add(new SectionSpec(".dynamic", 6, 3, 0, 0, 16, 8, size, offsetOf =>
        {
            var bytes = new byte[size];
            var all = entries.Concat([(Tag: 5L, Value: offsetOf(".dynstr")), (Tag: 10L, Value: (ulong)dynstr.Length)]).ToList();
            for (var i = 0; i < all.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 16), all[i].Tag);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((i * 16) + 8), all[i].Value);
            }

            return bytes; // the last entry stays zero: DT_NULL
        }));
        _segments.Add((2, ".dynamic"));
        return LoadEverything();
    }

    /// <summary>One PT_LOAD at offset 0 and address 0 over the whole file.</summary>
    public ElfFileBuilder LoadEverything()
    {
        if (!_segments.Contains((1, null)))
        {
            _segments.Insert(0, (1, null));
        }

        return this;
    }

    public BuiltElf Build()
    {
        var names = new StringTable();
        var nameOffsets = _sections.Select(s => names.Add(s.Name)).ToList();
        var shstrtabName = names.Add(".shstrtab");
        var shstrtab = names.ToArray();

        var phoff = _segments.Count == 0 ? 0 : 64;
        var position = (long)64 + (_segments.Count * 56);
        var offsets = new List<long> { 0 };
        foreach (var section in _sections)
        {
            position = Align(position, (long)Math.Max(1, section.Alignment));
            offsets.Add(position);
            position += section.Type == 8 ? 0 : section.Size; // SHT_NOBITS takes no file bytes
        }

        offsets.Add(position);
        position += shstrtab.Length;
        var shoff = Align(position, 8);
        var sectionCount = _sections.Count + 2;
        var file = new byte[shoff + (sectionCount * 64)];
        ulong OffsetOf(string name) => (ulong)offsets[_sections.FindIndex(s => s.Name == name) + 1];

        "\u007fELF"u8.CopyTo(file);
        file[4] = 2;
        file[5] = 1;
        file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), Type);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), Machine);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(32), (ulong)phoff);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(54), (ushort)(_segments.Count == 0 ? 0 : 56));
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(56), (ushort)_segments.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), (ushort)sectionCount);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), (ushort)(sectionCount - 1));

        for (var i = 0; i < _sections.Count; i++)
        {
            var section = _sections[i];
            var data = section.Data(OffsetOf);
            if (section.Type != 8)
            {
                data.CopyTo(file, offsets[i + 1]);
            }

            var address = (section.Flags & 2) != 0 && Type != 1 ? (ulong)offsets[i + 1] : 0;
            WriteSectionHeader(file, shoff, i + 1, nameOffsets[i], section, (ulong)offsets[i + 1], address);
        }

        shstrtab.CopyTo(file, offsets[^1]);
        WriteSectionHeader(file, shoff, sectionCount - 1, shstrtabName, new SectionSpec(".shstrtab", 3, 0, 0, 0, 0, 1, shstrtab.Length, _ => shstrtab), (ulong)offsets[^1], 0);

        for (var i = 0; i < _segments.Count; i++)
        {
            var (type, name) = _segments[i];
            var offset = name is null ? 0 : OffsetOf(name);
            var size = name is null ? (ulong)file.Length : (ulong)_sections.First(s => s.Name == name).Size;
            var ph = file.AsSpan(64 + (i * 56), 56);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 4);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], size);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], size);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], type == 1 ? 4096UL : 8UL);
        }

        return new BuiltElf(file, shoff, offsets, phoff);
    }

    /// <summary>Note records (Elf64_Nhdr, name, descriptor), each part padded to 4 bytes.</summary>
    public static byte[] Notes(params (string Owner, uint Type, byte[] Descriptor)[] notes)
    {
        var output = new MemoryStream();
        foreach (var (owner, type, descriptor) in notes)
        {
            var name = Encoding.ASCII.GetBytes(owner + "\0");
            var header = new byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)descriptor.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), type);
            output.Write(header);
            output.Write(name);
            output.Write(new byte[(4 - (name.Length & 3)) & 3]);
            output.Write(descriptor);
            output.Write(new byte[(4 - (descriptor.Length & 3)) & 3]);
        }

        return output.ToArray();
    }

    private int Add(SectionSpec section)
    {
        _sections.Add(section);
        return _sections.Count;
    }

    private static void WriteSectionHeader(byte[] file, long shoff, int index, uint name, SectionSpec section, ulong offset, ulong address)
    {
        var sh = file.AsSpan((int)shoff + (index * 64), 64);
        BinaryPrimitives.WriteUInt32LittleEndian(sh, name);
        BinaryPrimitives.WriteUInt32LittleEndian(sh[4..], section.Type);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[8..], section.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[16..], address);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[24..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[32..], (ulong)section.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(sh[40..], section.Link);
        BinaryPrimitives.WriteUInt32LittleEndian(sh[44..], section.Info);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[48..], section.Alignment);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[56..], section.EntrySize);
    }

    private static long Align(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    /// <summary>A section to lay out: its bytes may depend on where other sections went (.dynamic on .dynstr).</summary>
    private sealed record SectionSpec(string Name, uint Type, ulong Flags, uint Link, uint Info, ulong EntrySize, ulong Alignment, int Size, Func<Func<string, ulong>, byte[]> Data);

    /// <summary>A string table under construction: offset 0 is the empty name.</summary>
    private sealed class StringTable
    {
        private readonly List<byte> _bytes = [0];

        public uint Add(string text)
        {
            var at = (uint)_bytes.Count;
            _bytes.AddRange(Encoding.UTF8.GetBytes(text));
            _bytes.Add(0);
            return at;
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
