using System.Buffers.Binary;
using Nkdump.Formats.Elf;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests.Elf;

/// <summary>Damaged and hostile ELF files: a DumpFormatException naming the file and the field's offset, never a hang, a huge allocation or a wrong answer.</summary>
public sealed class ElfFileHostileTests
{
    private const string Name = "hostile.elf";

    /// <summary>ET_REL with .data, a note section and .symtab/.strtab: sections 1 .data, 2 .note, 3 .strtab, 4 .symtab, 5 .shstrtab.</summary>
    private static BuiltElf Good()
    {
        var builder = new ElfFileBuilder();
        builder.Section(".data", 1, [1, 2, 3, 4], flags: 3);
        builder.NoteSection(".note", ("GNU", 3, [0xab, 0xcd]));
        builder.SymbolTable(".symtab", ".strtab", 2, new BuiltSymbol("one", 1, 0, 0x11, 1), new BuiltSymbol("two", 2, 0, 0x11, 1));
        return builder.Build();
    }

    private static DumpFormatException Fails(byte[] bytes, Action<ElfFile> use)
    {
        var error = Assert.Throws<DumpFormatException>(() =>
        {
            using var elf = ElfFile.Open(bytes, Name);
            use(elf);
        });
        Assert.Equal(Name, error.FilePath);
        Assert.Contains(Name, error.Message);
        return error;
    }

    private static byte[] Patch(byte[] bytes, Action<byte[]> change)
    {
        var copy = (byte[])bytes.Clone();
        change(copy);
        return copy;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(40)]
    [InlineData(63)]
    public void A_truncated_header_is_refused_at_offset_0(int length)
    {
        var error = Fails(Good().Bytes[..length], _ => { });
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void Other_classes_byte_orders_and_entry_sizes_are_refused_by_field()
    {
        var good = Good();
        Assert.Equal(4, Fails(Patch(good.Bytes, b => b[4] = 1), _ => { }).Offset);
        Assert.Equal(5, Fails(Patch(good.Bytes, b => b[5] = 2), _ => { }).Offset);
        Assert.Equal(58, Fails(Patch(good.Bytes, b => b[58] = 40), e => _ = e.Sections).Offset);
        var core = new ElfCoreBuilder().Load(0, new byte[4096]).Build();
        Assert.Equal(54, Fails(Patch(core, b => b[54] = 32), e => _ = e.Segments).Offset);
    }

    [Fact]
    public void A_section_table_past_the_end_or_too_large_is_refused_at_e_shoff()
    {
        var good = Good();
        var past = Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(40), (ulong)b.Length - 100)), e => _ = e.Sections);
        Assert.Equal(40, past.Offset);
        Assert.Contains("do not fit in the file", past.Message);
        Assert.Equal(40, Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(40), ulong.MaxValue - 10)), e => _ = e.Sections).Offset);

        // A huge count through extended numbering: refused before anything is allocated for it.
        var huge = Fails(Patch(good.Bytes, b =>
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(60), 0);
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(good.SectionHeaderAt(0) + 32), 1UL << 40);
        }), e => _ = e.Sections);
        Assert.Equal(40, huge.Offset);
    }

    [Fact]
    public void Huge_or_unreachable_program_header_counts_are_refused()
    {
        var core = new ElfCoreBuilder { ForceExtendedNumbering = true }.Load(0, new byte[4096]).Build();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(core.AsSpan(40));
        var huge = Fails(Patch(core, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(shoff + 44), uint.MaxValue)), e => _ = e.Segments);
        Assert.Equal(32, huge.Offset);
        Assert.Contains("4294967295 program headers", huge.Message);
        var noSection0 = Fails(Patch(core, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(40), 0)), e => _ = e.Segments);
        Assert.Equal(40, noSection0.Offset);
        Assert.Contains("PN_XNUM", noSection0.Message);
        Assert.Equal(32, Fails(Patch(core, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(32), 1UL << 62)), e => _ = e.Segments).Offset);
    }

    [Fact]
    public void Name_indexes_out_of_range_are_refused_at_the_field_holding_them()
    {
        var good = Good();
        Assert.Equal(62, Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(62), 99)), e => _ = e.Sections).Offset);
        var sectionName = Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(good.SectionHeaderAt(1)), 100_000)), e => _ = e.Sections);
        Assert.Equal(good.SectionHeaderAt(1), sectionName.Offset);
        Assert.Contains("past the end of its string table", sectionName.Message);

        // Symbol 2's st_name.
        var symtab = good.SectionOffsets[4];
        var symbolName = Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)symtab + 48), 5000)), e => e.ReadSymbolTable());
        Assert.Equal(symtab + 48, symbolName.Offset);
    }

    [Fact]
    public void Sh_link_loops_and_strays_are_refused()
    {
        var good = Good();
        var linkAt = good.SectionHeaderAt(4) + 40;
        foreach (var link in new uint[] { 4, 0, 1, 99, uint.MaxValue })
        {
            var error = Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(linkAt), link)), e => e.ReadSymbolTable());
            Assert.Equal(linkAt, error.Offset);
            Assert.Contains("is not a string table", error.Message);
        }

        Assert.Equal(good.SectionHeaderAt(4) + 56, Fails(Patch(good.Bytes, b => b[good.SectionHeaderAt(4) + 56] = 16), e => e.ReadSymbolTable()).Offset);
    }

    [Fact]
    public void Section_bytes_outside_the_file_or_over_the_limit_are_refused()
    {
        var good = Good();
        var offsetAt = good.SectionHeaderAt(1) + 24;
        var outside = Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offsetAt), 1UL << 40)), e => e.ReadSection(".data", 100));
        Assert.Equal(offsetAt, outside.Offset);
        Assert.Contains("section 1 (.data)", outside.Message);
        Assert.Contains("outside the file", outside.Message);
        Assert.Equal(offsetAt, Fails(Patch(good.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(offsetAt + 8), ulong.MaxValue)), e => e.FileRange(e.FindSection(".data")!.Value)).Offset);
        Assert.Contains("allowed", Fails(good.Bytes, e => e.ReadSection(".data", 3)).Message);
    }

    [Theory]
    [InlineData(0u, 0xffffffffu)]
    [InlineData(0xfffffffcu, 2u)]
    [InlineData(0xffffffffu, 0xffffffffu)]
    [InlineData(4u, 3u)]
    public void Note_sizes_that_overflow_or_overrun_are_refused(uint nameSize, uint descSize)
    {
        var good = Good();
        var note = (int)good.SectionOffsets[2];
        var error = Fails(Patch(good.Bytes, b =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(note), nameSize);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(note + 4), descSize + 0x100);
        }), e => e.ReadBuildId());
        Assert.Equal(note, error.Offset);
        Assert.Contains("runs past the end of the notes", error.Message);
    }

    [Fact]
    public void Dynamic_entries_that_point_nowhere_are_refused()
    {
        var builder = new ElfFileBuilder { Type = 3 };
        builder.Dynamic("/lib64/ld-linux-x86-64.so.2", ["libc.so.6"]);
        var built = builder.Build();
        var dynamic = (int)built.SectionOffsets[3];
        var strtabAt = dynamic + 16; // DT_NEEDED, then DT_STRTAB, DT_STRSZ, DT_NULL

        var nowhere = Fails(Patch(built.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(strtabAt + 8), 1UL << 50)), e => e.ReadDynamic());
        Assert.Equal(dynamic, nowhere.Offset);
        Assert.Contains("not inside a loaded segment", nowhere.Message);
        Assert.Contains("DT_STRSZ", Fails(Patch(built.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(strtabAt + 24), 1UL << 40)), e => e.ReadDynamic()).Message);
        var name = Fails(Patch(built.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(dynamic + 8), 1UL << 20)), e => e.ReadDynamic());
        Assert.Equal(dynamic + 8, name.Offset);

        // PT_DYNAMIC is program header 2 (after PT_LOAD and PT_INTERP); PT_INTERP is 1.
        var huge = Fails(Patch(built.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(64 + (2 * 56) + 32), 1UL << 40)), e => e.ReadDynamic());
        Assert.Equal(64 + (2 * 56) + 32, huge.Offset);
        Assert.Equal(64 + 56 + 32, Fails(Patch(built.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(64 + 56 + 32), 0)), e => e.ReadInterpreter()).Offset);
        Assert.Equal(64 + 56 + 32, Fails(Patch(built.Bytes, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(64 + 56 + 32), 1 << 20)), e => e.ReadInterpreter()).Offset);
    }

    [Fact]
    public void Random_damage_to_the_headers_opens_or_fails_cleanly()
    {
        var good = Good().Bytes;
        var random = new Random(1515);
        for (var iteration = 0; iteration < 500; iteration++)
        {
            var bytes = (byte[])good.Clone();
            for (var n = random.Next(1, 6); n > 0; n--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                using var elf = ElfFile.Open(bytes, Name);
                _ = elf.Segments;
                _ = elf.Sections;
                elf.ReadSymbolTable();
                elf.ReadNotes();
                elf.ReadBuildId();
                elf.ReadDynamic();
                elf.ReadStrings(".data", 1 << 20);
            }
            catch (DumpFormatException e)
            {
                Assert.Equal(Name, e.FilePath);
            }
        }
    }
}
