using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats.Elf;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests.Elf;

/// <summary>The ELF reader on files built by <see cref="ElfFileBuilder"/> and <see cref="ElfCoreBuilder"/>.</summary>
public sealed class ElfFileTests
{
    private static readonly byte[] BuildIdBytes = Convert.FromHexString("00112233445566778899aabbccddeeff01234567");

    /// <summary>A kernel module's shape: ET_REL, .text, .data, .bss, .modinfo, a note, .symtab.</summary>
    private static ElfFileBuilder Module()
    {
        var builder = new ElfFileBuilder();
        builder.Section(".text", 1, [0x90, 0x90, 0xc3], flags: 6, alignment: 16);
        builder.Section(".data", 1, [1, 2, 3, 4, 5, 6, 7, 8], flags: 3, alignment: 8);
        builder.Section(".bss", 8, new byte[64], flags: 3, alignment: 32);
        builder.Section(".modinfo", 1, Encoding.ASCII.GetBytes("license=GPL\0\0\0description=test module\0name=nkdtest\0vermagic=6.1.0 SMP mod_unload\0"), flags: 2);
        builder.NoteSection(".note.gnu.build-id", ("GNU", 3, BuildIdBytes));
        builder.NoteSection(".note.Linux", ("Linux", 0x100, "6.1.0\0"u8.ToArray()), ("Linux", 0x101, [1, 0, 0, 0]));
        builder.SymbolTable(".symtab", ".strtab", 2,
            new BuiltSymbol("nkdtest.c", 0, 0, 0x04, 0xfff1), // STT_FILE, STB_LOCAL, SHN_ABS
            new BuiltSymbol("helper", 0x1, 0x2, 0x02, 1), // STT_FUNC, STB_LOCAL, .text
            new BuiltSymbol("init_module", 0x0, 0x3, 0x12, 1), // STT_FUNC, STB_GLOBAL
            new BuiltSymbol("counter", 0x4, 0x4, 0x11, 2), // STT_OBJECT, STB_GLOBAL, .data
            new BuiltSymbol("buffer", 0x0, 0x40, 0x21, 3), // STT_OBJECT, STB_WEAK, .bss
            new BuiltSymbol("printk", 0, 0, 0x10, 0)); // undefined
        return builder;
    }

    [Fact]
    public void A_relocatable_module_gives_its_sections_symbols_notes_and_modinfo()
    {
        var built = Module().Build();
        using var elf = ElfFile.Open(built.Bytes, "nkdtest.ko");
        Assert.True(elf.Header.IsRelocatable);
        Assert.Equal(62, elf.Header.Machine);
        Assert.Empty(elf.Segments);
        Assert.Equal(["", ".text", ".data", ".bss", ".modinfo", ".note.gnu.build-id", ".note.Linux", ".strtab", ".symtab", ".shstrtab"], elf.Sections.Select(s => s.Name));

        var data = elf.FindSection(".data")!.Value;
        Assert.Equal(2, data.Index);
        Assert.True(data is { IsWritable: true, IsAllocated: true, IsExecutable: false });
        Assert.Equal(((long)built.SectionOffsets[2], 8L), elf.FileRange(data));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], elf.ReadSection(data, 8));
        Assert.True(elf.FindSection(".text")!.Value.IsExecutable);
        Assert.True(elf.FindSection(".bss")!.Value.IsNoBits);
        Assert.Empty(elf.ReadSection(elf.FindSection(".bss")!.Value, 0));
        Assert.Null(elf.FindSection(".BTF"));
        Assert.Null(elf.ReadSection(".BTF", 100));

        Assert.Equal(["license=GPL", "description=test module", "name=nkdtest", "vermagic=6.1.0 SMP mod_unload"], elf.ReadStrings(".modinfo", 4096));

        var notes = elf.ReadNotes();
        Assert.Equal([("GNU", 3u), ("Linux", 0x100u), ("Linux", 0x101u)], notes.Select(n => (n.Name, n.Type)));
        Assert.Equal("6.1.0\0"u8.ToArray(), notes[1].Descriptor.ToArray());
        Assert.Equal(Convert.ToHexStringLower(BuildIdBytes), elf.ReadBuildId());

        var symbols = elf.ReadSymbolTable()!;
        Assert.Equal(7, symbols.Count);
        Assert.Equal(new ElfSymbol("", 0, 0, 0, 0, 0), symbols[0]);
        Assert.Equal((ElfSymbolType.File, ElfSymbolBinding.Local, true), (symbols[1].Type, symbols[1].Binding, symbols[1].IsAbsolute));
        Assert.Equal(("helper", 1UL, 2UL, ElfSymbolType.Function, ElfSymbolBinding.Local, (ushort)1), (symbols[2].Name, symbols[2].Value, symbols[2].Size, symbols[2].Type, symbols[2].Binding, symbols[2].SectionIndex));
        Assert.Equal((ElfSymbolType.Object, ElfSymbolBinding.Weak, (ushort)3, 0x40UL), (symbols[5].Type, symbols[5].Binding, symbols[5].SectionIndex, symbols[5].Size));
        Assert.True(symbols[6] is { Name: "printk", IsUndefined: true, IsInSection: false });
        Assert.True(symbols[4].IsInSection);
        Assert.Null(elf.ReadDynamicSymbols());
        Assert.Null(elf.ReadDynamic());
        Assert.Null(elf.ReadInterpreter());
    }

    [Fact]
    public void The_builders_files_read_the_same_in_readelf()
    {
        // The builder is checked against binutils, so that the tests above rest on valid files.
        using var dir = new TempDirectory();
        var path = dir.Write("nkdtest.ko", Module().Build().Bytes);
        var sections = Nkdump.Testing.ExternalTool.Run("readelf", ["-S", "-W", path]);
        Assert.True(sections.ExitCode == 0, sections.ToString());
        Assert.Contains(".note.gnu.build-id", sections.StandardOutput);
        var symbols = Nkdump.Testing.ExternalTool.Run("readelf", ["-s", "-W", path]).StandardOutput;
        Assert.Contains("WEAK   DEFAULT    3 buffer", symbols);
        Assert.Contains(Convert.ToHexStringLower(BuildIdBytes), Nkdump.Testing.ExternalTool.Run("readelf", ["-n", path]).StandardOutput);
    }

    [Fact]
    public void A_shared_library_gives_its_interpreter_and_dynamic_entries()
    {
        var builder = new ElfFileBuilder { Type = 3 };
        builder.Dynamic("/lib64/ld-linux-x86-64.so.2", ["libz.so.1", "libc.so.6"], soName: "libnkd.so.1", runPath: "/opt/a:/opt/b", rPath: "/old");
        using var elf = ElfFile.Open(builder.Build().Bytes, "libnkd.so.1");
        Assert.Equal("/lib64/ld-linux-x86-64.so.2", elf.ReadInterpreter());
        var dynamic = elf.ReadDynamic()!;
        Assert.Equal(["libz.so.1", "libc.so.6"], dynamic.Needed);
        Assert.Equal("libnkd.so.1", dynamic.SoName);
        Assert.Equal(["/opt/a", "/opt/b"], dynamic.RunPath);
        Assert.Equal(["/old"], dynamic.RPath);
        Assert.Equal([1L, 1, 14, 29, 15, 5, 10], dynamic.Entries.Select(e => e.Tag));
    }

    [Fact]
    public void Pn_xnum_takes_the_program_header_count_from_section_header_0()
    {
        var builder = new ElfCoreBuilder { ForceExtendedNumbering = true };
        for (var i = 0; i < 5; i++)
        {
            builder.Load((ulong)i << 20, new byte[4096]);
        }

        using var elf = ElfFile.Open(builder.Build(), "core");
        Assert.Equal(0xffff, elf.Header.ProgramHeaderCount);
        Assert.Equal(6, elf.Segments.Count);
        Assert.True(elf.Segments[0].IsNote);
        Assert.Equal(4UL << 20, elf.Segments[5].PhysicalAddress);
    }

    [Fact]
    public void Extended_section_numbering_takes_the_count_and_the_name_table_from_section_header_0()
    {
        var built = Module().Build();
        var bytes = built.Bytes;
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(60));
        var names = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(62));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(60), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(62), 0xffff); // SHN_XINDEX
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(built.SectionHeaderAt(0) + 32), count);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(built.SectionHeaderAt(0) + 40), names);
        using var elf = ElfFile.Open(bytes, "extended.ko");
        Assert.Equal(count, elf.Sections.Count);
        Assert.Equal(".modinfo", elf.Sections[4].Name);
    }

    [Fact]
    public void Notes_in_a_section_aligned_to_8_are_padded_to_8()
    {
        // A 5-byte name is padded to 8 after the 12-byte header, so the descriptor starts at 24, not 20.
        var notes = new byte[24 + 8 + 12 + 4 + 8];
        BinaryPrimitives.WriteUInt32LittleEndian(notes, 5);
        BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan(8), 5);
        "GNU2\0"u8.CopyTo(notes.AsSpan(12));
        BinaryPrimitives.WriteUInt64LittleEndian(notes.AsSpan(24), 0x1122334455667788);
        BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan(32), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan(36), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(notes.AsSpan(40), 3);
        "GNU\0"u8.CopyTo(notes.AsSpan(44));
        BinaryPrimitives.WriteUInt64LittleEndian(notes.AsSpan(48), 0xaabbccdd);
        var builder = new ElfFileBuilder();
        builder.Section(".note.gnu.property", 7, notes, flags: 2, alignment: 8);
        using var elf = ElfFile.Open(builder.Build().Bytes, "aligned.o");
        var read = elf.ReadNotes();
        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64LittleEndian(read[0].Descriptor.Span));
        Assert.Equal(("GNU", 3u), (read[1].Name, read[1].Type));
        Assert.Equal("ddccbbaa00000000", elf.ReadBuildId());
    }

    [Fact]
    public void A_file_on_disk_is_read_by_pread_and_named_in_errors()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("module.ko", Module().Build().Bytes);
        using var elf = ElfFile.Open(path);
        Assert.Equal(path, elf.Path);
        Assert.True(ElfFile.IsElf(path));
        Assert.False(ElfFile.IsElf(dir.Write("text", "#!/bin/sh\n"u8.ToArray())));
        Assert.False(ElfFile.IsElf(dir.Write("empty", [])));
        Assert.Equal(7, elf.ReadSymbolTable()!.Count);
    }
}
