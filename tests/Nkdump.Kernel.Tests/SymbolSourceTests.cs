using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel.Tests;

public class SymbolSourceTests
{
    private const string Map =
        "0000000000000000 D __per_cpu_start\n" +
        "ffffffff81000000 T _stext\n" +
        "ffffffff81000000 t startup_64\n" +
        "ffffffff81001000 T do_one\n" +
        "ffffffff81001040 t helper\n" +
        "ffffffff82000000 D some_data\n";

    [Fact]
    public void SystemMapRelocatesKernelAddressesOnly()
    {
        var table = SystemMapReader.Read(new StringReader(Map), "System.map", kernelOffset: 0x1000000);
        Assert.True(table.TryGetAddress("do_one", out var address));
        Assert.Equal(0xffffffff82001000UL, address);
        Assert.True(table.TryGetAddress("__per_cpu_start", out var percpu));
        Assert.Equal(0UL, percpu);

        Assert.True(table.TryResolve(0xffffffff82001044, out var location));
        Assert.Equal("helper+0x4", location.ToString());

        // At an address two symbols share, the global function name wins over the local alias.
        Assert.True(table.TryResolve(0xffffffff82000000, out location));
        Assert.Equal("_stext", location.ToString());

        // Per-cpu offsets are not addresses: nothing resolves to them.
        Assert.False(table.TryResolve(0x10, out _));
    }

    [Fact]
    public void SystemMapWithGarbageNamesTheLine()
    {
        var e = Assert.Throws<NkdumpException>(() => SystemMapReader.Read(new StringReader("ffffffff81000000 T ok\nnot a map line\n"), "map"));
        Assert.Contains("map:2", e.Message);
    }

    [Fact]
    public void VmlinuxSymtabIsReadAndRelocated()
    {
        var elf = BuildElf(("do_one", 0xffffffff81001000, 0x12, 1), ("local_fn", 0xffffffff81001100, 0x02, 1), ("a_var", 0xffffffff82000000, 0x11, 2));
        var table = VmlinuxSymbolReader.Read(elf, "vmlinux", kernelOffset: 0x200000);
        Assert.True(table.TryGetAddress("do_one", out var address));
        Assert.Equal(0xffffffff81201000UL, address);
        var byName = table.Symbols.ToDictionary(s => s.Name);
        Assert.Equal('T', byName["do_one"].Type);
        Assert.Equal('t', byName["local_fn"].Type);
        Assert.Equal('D', byName["a_var"].Type);
        Assert.True(table.TryResolve(0xffffffff81201108, out var location));
        Assert.Equal("local_fn+0x8", location.ToString());
    }

    [Fact]
    public void StrippedVmlinuxIsRefused()
    {
        var elf = BuildElf();
        var stripped = elf.ToArray();
        // Turn the .symtab's type into SHT_PROGBITS.
        BinaryPrimitives.WriteUInt32LittleEndian(stripped.AsSpan(StrippedSymtabTypeOffset(stripped)), 1);
        var e = Assert.Throws<NkdumpException>(() => VmlinuxSymbolReader.Read(stripped, "vmlinux"));
        Assert.Contains("no .symtab", e.Message);
    }

    private static int StrippedSymtabTypeOffset(byte[] elf) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40)) + (4 * 64) + 4;

    /// <summary>An ELF64 with sections: null, .text (exec), .data (write), .strtab, .symtab. Symbols: (name, value, st_info, shndx).</summary>
    private static byte[] BuildElf(params (string Name, ulong Value, byte Info, ushort Section)[] symbols)
    {
        var strtab = new List<byte> { 0 };
        var symtab = new byte[(symbols.Length + 1) * 24];
        for (var i = 0; i < symbols.Length; i++)
        {
            var s = symtab.AsSpan((i + 1) * 24);
            BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)strtab.Count);
            s[4] = symbols[i].Info;
            BinaryPrimitives.WriteUInt16LittleEndian(s[6..], symbols[i].Section);
            BinaryPrimitives.WriteUInt64LittleEndian(s[8..], symbols[i].Value);
            strtab.AddRange(Encoding.ASCII.GetBytes(symbols[i].Name));
            strtab.Add(0);
        }

        var strtabOffset = 64;
        var symtabOffset = strtabOffset + strtab.Count;
        var shoff = symtabOffset + symtab.Length;
        var file = new byte[shoff + (5 * 64)];
        "\u007fELF"u8.CopyTo(file);
        file[4] = 2;
        file[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 5);
        strtab.ToArray().CopyTo(file, strtabOffset);
        symtab.CopyTo(file, symtabOffset);

        void Section(int index, uint type, ulong flags, int offset, int size, uint link)
        {
            var h = file.AsSpan(shoff + (index * 64));
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], type);
            BinaryPrimitives.WriteUInt64LittleEndian(h[8..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(h[24..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(h[32..], (ulong)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[40..], link);
        }

        Section(1, 1, 6, 0, 0, 0); // .text: PROGBITS, ALLOC|EXECINSTR
        Section(2, 1, 3, 0, 0, 0); // .data: PROGBITS, WRITE|ALLOC
        Section(3, 3, 0, strtabOffset, strtab.Count, 0); // .strtab
        Section(4, 2, 0, symtabOffset, symtab.Length, 3); // .symtab -> .strtab
        return file;
    }
}
