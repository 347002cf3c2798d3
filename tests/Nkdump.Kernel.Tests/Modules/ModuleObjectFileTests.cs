using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel.Modules;
using Nkdump.Kernel.Symbols;
using Nkdump.Testing.Builders;

namespace Nkdump.Kernel.Tests.Modules;

/// <summary>
/// A module's .ko (an ELF relocatable object made with ElfFileBuilder) placed where the loaded module
/// has it: each section's base from the loaded symbols of that section, so the .ko's extra symbols
/// (the ones the kernel dropped) get addresses too.
/// </summary>
public class ModuleObjectFileTests
{
    private const ulong Text = 0xffffffffc06a0000;
    private const ulong Data = 0xffffffffc01f2000;

    [Fact]
    public void TheKoSymbolsAreWhereTheLoadedOnesSayTheirSectionsAre()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("nk-crash.ko", Ko("name=nkcrash\0license=GPL\0"));
        var ko = ModuleObjectFile.Read(path);
        Assert.Equal("nkcrash", ko.Name);

        // The kernel kept two of the text symbols and the data one (its .text at Text, .data at Data).
        var loaded = new ModuleSymbols("nkcrash", "memory", [new("nkcrash_oops", Text + 0x10, 't'), new("nkcrash_write", Text + 0x40, 't'), new("nkcrash_entry", Data + 0x8, 'd')]);
        var module = new KernelModule(0xffffffffc01f2080, "nkcrash", "MODULE_STATE_LIVE", [new ModuleRegion("text", Text, 0x1000), new ModuleRegion("data", Data, 0x1000)], 0x3000, null, null);
        var placed = ko.Place(module, loaded);
        Assert.Equal(path, placed.Source);

        Assert.True(placed.TryGetAddress("nkcrash_helper", out var helper)); // not in the kernel's table
        Assert.Equal(Text + 0x30, helper);
        Assert.True(placed.TryGetAddress("nkcrash_counter", out var counter));
        Assert.Equal(Data + 0x20, counter);
        Assert.False(placed.TryGetAddress("nkcrash_init", out _)); // .init.text: freed after loading, nothing places it
        Assert.Equal("nkcrash_helper+0x4/0x10 [nkcrash]", placed.Resolve(Text + 0x34, Text + 0x1000)!.Value.ToString());
        Assert.Equal('T', placed.Symbols.Single(s => s.Name == "nkcrash_write").Type);
    }

    [Fact]
    public void AFileWithoutNameInfoIsNamedByItsFileAndAMismatchIsSaid()
    {
        using var dir = new TempDirectory();
        var ko = ModuleObjectFile.Read(dir.Write("nk-crash.ko", Ko("license=GPL\0")));
        Assert.Equal("nk_crash", ko.Name);

        var other = new ModuleSymbols("nkcrash", "memory", [new("something_else", Text, 't')]);
        var module = new KernelModule(0, "nkcrash", "", [new ModuleRegion("text", Text, 0x1000)], null, null, null);
        var e = Assert.Throws<NkdumpException>(() => ko.Place(module, other));
        Assert.Contains("is it the file that was loaded?", e.Message, StringComparison.Ordinal);
        Assert.Throws<NkdumpException>(() => ko.Place(module, null));
        Assert.Throws<NkdumpException>(() => ModuleObjectFile.Read(dir.Write("exec", new ElfFileBuilder { Type = 2 }.Build().Bytes)));
    }

    [Fact]
    public void MappingSymbolsAreNoNames()
    {
        var symbols = new ModuleSymbols("m", "memory", [new("$x", Text, 't'), new(".LC0", Text + 4, 'r'), new("f", Text + 8, 't')]);
        Assert.Equal(["f"], symbols.Symbols.Select(s => s.Name));
        Assert.Null(symbols.Resolve(Text + 4, Text + 0x100));
        Assert.Equal(new CodeLocation("f", Text + 8, 1, 0xf8, "m"), symbols.Resolve(Text + 9, Text + 0x100));
    }

    /// <summary>.text (1), .data (2), .init.text (3), .modinfo, and a .symtab with local and global functions and objects.</summary>
    private static byte[] Ko(string modinfo)
    {
        var builder = new ElfFileBuilder();
        var text = builder.Section(".text", 1, new byte[0x100], flags: 6);
        var data = builder.Section(".data", 1, new byte[0x40], flags: 3);
        var init = builder.Section(".init.text", 1, new byte[0x20], flags: 6);
        builder.Section(".modinfo", 1, Encoding.ASCII.GetBytes(modinfo), flags: 2);
        builder.SymbolTable(".symtab", ".strtab", 2,
            new BuiltSymbol("nkcrash_oops", 0x10, 0x10, 0x02, (ushort)text),
            new BuiltSymbol("nkcrash_helper", 0x30, 0x10, 0x02, (ushort)text),
            new BuiltSymbol("nkcrash_write", 0x40, 0x20, 0x12, (ushort)text),
            new BuiltSymbol("nkcrash_entry", 0x8, 0x8, 0x01, (ushort)data),
            new BuiltSymbol("nkcrash_counter", 0x20, 0x4, 0x01, (ushort)data),
            new BuiltSymbol("nkcrash_init", 0x0, 0x20, 0x02, (ushort)init),
            new BuiltSymbol("printk", 0, 0, 0x10, 0));
        return builder.Build().Bytes;
    }
}
