using System.Globalization;
using System.Text.RegularExpressions;
using Nkdump.Formats.Elf;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests.Elf;

/// <summary>
/// The ELF reader on real files of this machine, checked against binutils' readelf: the C library
/// (a shared library: dynamic entries, .dynsym, build ID, interpreter) and an object file the C
/// compiler makes with a .modinfo section and a note, as a kernel module is (ET_REL).
/// </summary>
public sealed partial class ElfFileReadelfTests
{
    private const string LibC = "/lib/x86_64-linux-gnu/libc.so.6";

    private static string Readelf(params string[] arguments)
    {
        var result = ExternalTool.Run("readelf", ["-W", .. arguments]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    [Fact]
    public void Sections_match_readelf_on_the_c_library() => AssertSectionsMatch(LibC);

    [Fact]
    public void Dynamic_entries_interpreter_and_build_id_match_readelf_on_the_c_library()
    {
        using var elf = ElfFile.Open(LibC);
        var dynamic = elf.ReadDynamic()!;
        var text = Readelf("-d", LibC);
        Assert.Equal(Regex.Matches(text, @"\(NEEDED\)\s+Shared library: \[(.+?)\]").Select(m => m.Groups[1].Value), dynamic.Needed);
        Assert.Equal(Regex.Match(text, @"\(SONAME\)\s+Library soname: \[(.+?)\]").Groups[1].Value, dynamic.SoName);
        var tags = Regex.Matches(text, @"^\s*0x([0-9a-f]{16}) ", RegexOptions.Multiline).Select(m => long.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(tags.TakeWhile(t => t != 0), dynamic.Entries.Select(e => e.Tag));

        var interpreter = Regex.Match(Readelf("-l", LibC), @"Requesting program interpreter: (.+?)\]");
        Assert.Equal(interpreter.Success ? interpreter.Groups[1].Value : null, elf.ReadInterpreter());
        Assert.Equal(Regex.Match(Readelf("-n", LibC), @"Build ID: ([0-9a-f]+)").Groups[1].Value, elf.ReadBuildId());
    }

    [Fact]
    public void Dynamic_symbols_match_readelf_on_the_c_library()
    {
        using var elf = ElfFile.Open(LibC);
        var ours = elf.ReadDynamicSymbols()!;
        var theirs = Symbols(Readelf("--dyn-syms", LibC));
        Assert.True(theirs.Count > 1000, $"{theirs.Count} dynamic symbols");
        Assert.Equal(theirs.Count, ours.Count);
        for (var i = 0; i < ours.Count; i++)
        {
            Assert.Equal(theirs[i], Describe(ours[i]));
        }
    }

    [Fact]
    public void A_relocatable_object_with_modinfo_and_a_note_matches_readelf()
    {
        using var dir = new TempDirectory();
        var source = dir.Write("nkdtest.c", """
            static const char modinfo[] __attribute__((section(".modinfo"), used, aligned(1))) = "license=GPL\0description=nkdump test\0name=nkdtest";
            int counter = 4;
            static int hidden;
            extern int printk(const char *, ...);
            static int helper(int x) { return x * 3 + hidden; }
            int init_module(void) { counter = helper(counter); return printk("nkdtest %d\n", counter); }
            __asm__(".pushsection .note.nkdump,\"a\",@note\n.balign 4\n.long 4\n.long 8\n.long 0x4e4b\n.asciz \"Nkd\"\n.quad 0x1122334455667788\n.popsection\n");
            """u8.ToArray());
        var objectFile = dir.File("nkdtest.ko");
        var compile = ExternalTool.Run("gcc", ["-c", "-O1", "-fno-asynchronous-unwind-tables", "-o", objectFile, source]);
        Assert.True(compile.ExitCode == 0, compile.ToString());

        AssertSectionsMatch(objectFile);
        using var elf = ElfFile.Open(objectFile);
        Assert.True(elf.Header.IsRelocatable);
        Assert.Equal(["license=GPL", "description=nkdump test", "name=nkdtest"], elf.ReadStrings(".modinfo", 4096));
        var note = Assert.Single(elf.ReadNotes(), n => n.Name == "Nkd");
        Assert.Equal((0x4e4bu, 0x1122334455667788UL), (note.Type, BitConverter.ToUInt64(note.Descriptor.Span)));

        var ours = elf.ReadSymbolTable()!;
        var theirs = Symbols(Readelf("-s", objectFile));
        Assert.Equal(theirs.Count, ours.Count);
        for (var i = 0; i < ours.Count; i++)
        {
            // readelf shows a section symbol by its section's name; the symbol itself has none.
            var expected = ours[i].Type == ElfSymbolType.Section ? theirs[i] with { Name = "" } : theirs[i];
            Assert.Equal(expected, Describe(ours[i]));
        }

        Assert.Contains(ours, s => s is { Name: "printk", IsUndefined: true });
        Assert.Contains(ours, s => s is { Name: "init_module", Type: ElfSymbolType.Function, Binding: ElfSymbolBinding.Global });
        Assert.Contains(ours, s => s is { Name: "counter", Type: ElfSymbolType.Object, Size: 4 });
    }

    private static void AssertSectionsMatch(string path)
    {
        using var elf = ElfFile.Open(path);
        var theirs = SectionLine().Matches(Readelf("-S", path))
            .Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, Hex(m.Groups[4].Value), Hex(m.Groups[5].Value), Hex(m.Groups[6].Value)))
            .ToList();
        Assert.True(theirs.Count > 5, $"{theirs.Count} sections");
        Assert.Equal(theirs, elf.Sections.Select(s => (s.Index, s.Name, s.Address, s.Offset, s.Size)));
    }

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>readelf's symbol lines: index, value, size, type, binding, section, name (without a version suffix).</summary>
    private static List<SymbolLine> Symbols(string text) =>
        SymbolLineRegex().Matches(text).Select(m => new SymbolLine(
            Hex(m.Groups[2].Value),
            m.Groups[3].Value.StartsWith("0x", StringComparison.Ordinal) ? Hex(m.Groups[3].Value[2..]) : ulong.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            m.Groups[4].Value,
            m.Groups[5].Value,
            m.Groups[6].Value,
            m.Groups[7].Value.Split('@')[0].Split(' ')[0])).ToList();

    private static SymbolLine Describe(ElfSymbol symbol) => new(
        symbol.Value,
        symbol.Size,
        symbol.Type switch
        {
            ElfSymbolType.NoType => "NOTYPE",
            ElfSymbolType.Object => "OBJECT",
            ElfSymbolType.Function => "FUNC",
            ElfSymbolType.Section => "SECTION",
            ElfSymbolType.File => "FILE",
            ElfSymbolType.Common => "COMMON",
            ElfSymbolType.Tls => "TLS",
            ElfSymbolType.GnuIndirectFunction => "IFUNC",
            var other => other.ToString(),
        },
        symbol.Binding switch
        {
            ElfSymbolBinding.Local => "LOCAL",
            ElfSymbolBinding.Global => "GLOBAL",
            ElfSymbolBinding.Weak => "WEAK",
            ElfSymbolBinding.GnuUnique => "UNIQUE",
            var other => other.ToString(),
        },
        symbol.SectionIndex switch
        {
            0 => "UND",
            0xfff1 => "ABS",
            0xfff2 => "COM",
            var index => index.ToString(CultureInfo.InvariantCulture),
        },
        symbol.Name);

    private sealed record SymbolLine(ulong Value, ulong Size, string Type, string Binding, string Section, string Name);

    [GeneratedRegex(@"^\s*\[\s*(\d+)\] (.*?)\s+([A-Z_]+|LOOS\+\S+|LOPROC\+\S+)\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ", RegexOptions.Multiline)]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^\s*(\d+): ([0-9a-f]{16})\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+\S+\s+(\S+) ?(.*)$", RegexOptions.Multiline)]
    private static partial Regex SymbolLineRegex();
}
