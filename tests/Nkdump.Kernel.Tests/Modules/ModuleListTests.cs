using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Modules;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Kernel.Tests.Modules;

/// <summary>
/// The fixtures load no modules, so one is planted: a struct module written (with the kernel's own
/// BTF layout) into a free page of the real dump and linked into the 'modules' list, with a symbol
/// table (struct mod_kallsyms) of its own. 6.1 describes module memory with core_layout (one block
/// sliced into text, rodata, ro_after_init, data), 6.12 with mem[MOD_TEXT..] (a base per block):
/// both paths are exercised.
/// </summary>
public class ModuleListTests
{
    private const ulong TextBase = 0xffffffffc0a00000;

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void APlantedModuleIsListedWithNameRegionsSizesAndState(string fixture)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var memory = new PatchedMemory(dump.Memory);
        var kernel = KernelContext.Open(memory, dump.VmcoreInfo);
        var btf = BtfLoader.FromKernel(kernel);
        Assert.Empty(ModuleList.Read(kernel, btf).Modules);

        var planted = Plant(kernel, memory, btf);
        var modules = ModuleList.Read(kernel, btf);
        Assert.Empty(modules.Problems);
        var module = Assert.Single(modules.Modules);
        Assert.Equal("planted", module.Name);
        Assert.Equal(planted.Address, module.Address);
        Assert.Equal(TextBase, module.Base);
        Assert.Equal("MODULE_STATE_LIVE", module.State);
        Assert.Equal(planted.Regions, module.Regions.Select(r => (r.Kind, r.Base, r.Size)).ToList());
        Assert.Equal(planted.Core, module.CoreSize);
        Assert.Equal(planted.Init, module.InitSize);
        Assert.Equal(planted.Core + planted.Init, module.Size); // what /proc/modules and lsmod print
        Assert.Equal(0x3000UL, module.Taints); // O and E

        // Every region is found by address, each at its own base; nothing past them is.
        foreach (var (kind, start, size) in planted.Regions)
        {
            Assert.Same(module, modules.Containing(start));
            Assert.Equal(kind, module.RegionOf(start + size - 1)!.Kind);
            Assert.NotEqual(kind, module.RegionOf(start + size)?.Kind);
        }

        Assert.Null(modules.Containing(TextBase - 1));

        // A self-linked entry (list.next pointing at itself) is a loop, reported, not followed forever.
        var list = (ulong)btf.FindPath(btf.Find("module", BtfKind.Struct)!.Id, ["list"])!.Value.ByteOffset;
        memory.WriteUInt64(planted.Physical + list, planted.Address + list);
        var looping = ModuleList.Read(kernel, btf);
        Assert.Single(looping.Modules);
        Assert.Contains(looping.Problems, p => p.Contains("loops", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void APlantedModulesOwnSymbolTableNamesItsCodeLikeTheKernel(string fixture)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var memory = new PatchedMemory(dump.Memory);
        var kernel = KernelContext.Open(memory, dump.VmcoreInfo);
        var btf = BtfLoader.FromKernel(kernel);
        Plant(kernel, memory, btf);
        var modules = ModuleList.Read(kernel, btf);
        var module = modules.Modules.Single();

        var symbols = modules.SymbolsOf(module)!;
        Assert.Equal(["planted_fn", "planted_next", "planted_data"], symbols.Symbols.Select(s => s.Name));
        Assert.Equal(['t', 'T', 'd'], symbols.Symbols.Select(s => s.Type));

        // "func+0xoff/0xsize [module]": the size runs to the next symbol, or to the end of the text region.
        Assert.Equal("planted_fn+0xc/0x20 [planted]", modules.Resolve(TextBase + 0x1c)!.Value.ToString());
        Assert.Equal("planted_next+0x0/0x2fd0 [planted]", modules.Resolve(TextBase + 0x30)!.Value.ToString());
        Assert.True(modules.TryGetAddress("planted:planted_next", out var next));
        Assert.Equal(TextBase + 0x30, next);
        Assert.False(modules.TryGetAddress("other:planted_next", out _));

        // The code symbolizer names module code by the module and never by a vmlinux symbol far below it.
        var code = new Nkdump.Kernel.Symbols.CodeSymbolizer(kernel.Symbols, modules);
        Assert.Equal("planted", code.Describe(TextBase + 0x1c)!.Value.Module);
        Assert.Null(code.Describe(TextBase + 0x8)); // in the module's text, below its first symbol
        Assert.Equal("planted", code.ModuleOf(TextBase + 0x8));
    }

    private sealed record Planted(ulong Address, ulong Physical, List<(string Kind, ulong Base, ulong Size)> Regions, ulong Core, ulong Init);

    /// <summary>Writes a struct module named "planted" into a direct-map page and links it into 'modules'.</summary>
    private static Planted Plant(KernelContext kernel, PatchedMemory memory, BtfTypes btf)
    {
        var module = btf.Find("module", BtfKind.Struct)!;
        long Offset(params string[] path) => btf.FindPath(module.Id, path)!.Value.ByteOffset;
        var fake = kernel.Layout.PageOffsetBase + 0x3000000; // two pages in the direct map, rewritten below
        Assert.True(kernel.Translator.TryTranslate(fake, out var at, out _));
        var physical = at.PhysicalAddress;
        memory.Write(physical, new byte[btf.SizeOf(module.Id)]);
        Assert.True(kernel.Symbols!.TryGetAddress("modules", out var head));
        Assert.True(kernel.Translator.TryTranslate(head, out var headAt, out _));

        // modules.next = &fake->list; fake->list.next = &modules (a one-entry ring).
        var list = (ulong)Offset("list");
        memory.WriteUInt64(headAt.PhysicalAddress, fake + list);
        memory.WriteUInt64(headAt.PhysicalAddress + 8, fake + list);
        memory.WriteUInt64(physical + list, head);
        memory.WriteUInt64(physical + list + 8, head);
        memory.Write(physical + (ulong)Offset("name"), Encoding.ASCII.GetBytes("planted\0"));
        memory.Write(physical + (ulong)Offset("state"), BitConverter.GetBytes(0)); // MODULE_STATE_LIVE
        memory.WriteUInt64(physical + (ulong)Offset("taints"), 0x3000);

        List<(string, ulong, ulong)> regions;
        ulong core, init;
        if (btf.FindMember(module.Id, "mem") is { } mem)
        {
            // 6.4+: each mem[] block has its own base; init text is still there (the module's init has not run).
            var moduleMemory = btf.Find("module_memory", BtfKind.Struct)!;
            var stride = (ulong)btf.SizeOf(moduleMemory.Id);
            var baseAt = (ulong)btf.FindMember(moduleMemory.Id, "base")!.Value.ByteOffset;
            var sizeAt = (ulong)btf.FindMember(moduleMemory.Id, "size")!.Value.ByteOffset;
            (string Kind, ulong Base, uint Size)[] blocks =
            [
                ("text", TextBase, 0x3000), ("data", TextBase + 0x100000, 0x1000), ("rodata", TextBase + 0x40000, 0x2000),
                ("ro_after_init", TextBase + 0x60000, 0x1000), ("init_text", TextBase + 0x200000, 0x5000),
            ];
            for (var i = 0; i < blocks.Length; i++)
            {
                memory.WriteUInt64(physical + (ulong)mem.ByteOffset + ((ulong)i * stride) + baseAt, blocks[i].Base);
                memory.Write(physical + (ulong)mem.ByteOffset + ((ulong)i * stride) + sizeAt, BitConverter.GetBytes(blocks[i].Size));
            }

            regions = [.. blocks.Select(b => (b.Kind, b.Base, (ulong)b.Size))];
            (core, init) = (0x7000, 0x5000);
        }
        else
        {
            // 4.5-6.3: one core block, text 0x3000, read-only up to 0x4000, ro_after_init up to 0x5000, data to 0x6000.
            memory.WriteUInt64(physical + (ulong)Offset("core_layout", "base"), TextBase);
            memory.Write(physical + (ulong)Offset("core_layout", "size"), BitConverter.GetBytes(0x6000u));
            memory.Write(physical + (ulong)Offset("core_layout", "text_size"), BitConverter.GetBytes(0x3000u));
            memory.Write(physical + (ulong)Offset("core_layout", "ro_size"), BitConverter.GetBytes(0x4000u));
            memory.Write(physical + (ulong)Offset("core_layout", "ro_after_init_size"), BitConverter.GetBytes(0x5000u));
            regions = [("text", TextBase, 0x3000), ("rodata", TextBase + 0x3000, 0x1000), ("ro_after_init", TextBase + 0x4000, 0x1000), ("data", TextBase + 0x5000, 0x1000)];
            (core, init) = (0x6000, 0);
        }

        PlantSymbols(kernel, memory, btf, module.Id, fake, physical, regions.First(r => r.Item1 == "data").Item2);
        return new Planted(fake, physical, regions, core, init);
    }

    /// <summary>
    /// module->kallsyms = &amp;module->core_kallsyms = { symtab, num_symtab 4, strtab, typetab } in the next
    /// page: the null symbol, planted_fn (t) at text+0x10, planted_next (T) at text+0x30, planted_data (d).
    /// </summary>
    private static void PlantSymbols(KernelContext kernel, PatchedMemory memory, BtfTypes btf, int module, ulong fake, ulong physical, ulong data)
    {
        var tables = fake + 0x1000;
        Assert.True(kernel.Translator.TryTranslate(tables, out var tablesAt, out _));
        var p = tablesAt.PhysicalAddress;
        var strings = Encoding.ASCII.GetBytes("\0planted_fn\0planted_next\0planted_data\0");
        (uint Name, byte Info, ushort Section, ulong Value)[] entries = [(0, 0, 0, 0), (1, 0x02, 1, TextBase + 0x10), (12, 0x12, 1, TextBase + 0x30), (25, 0x01, 2, data + 0x40)];
        for (var i = 0; i < entries.Length; i++)
        {
            var sym = new byte[24];
            BitConverter.GetBytes(entries[i].Name).CopyTo(sym, 0);
            sym[4] = entries[i].Info;
            BitConverter.GetBytes(entries[i].Section).CopyTo(sym, 6);
            BitConverter.GetBytes(entries[i].Value).CopyTo(sym, 8);
            memory.Write(p + (ulong)(i * 24), sym);
        }

        memory.Write(p + 0x200, strings);
        memory.Write(p + 0x300, "\0tTd"u8);

        var kallsyms = btf.Find("mod_kallsyms", BtfKind.Struct)!;
        long Member(string name) => btf.FindMember(kallsyms.Id, name)!.Value.ByteOffset;
        var core = (ulong)btf.FindMember(module, "core_kallsyms")!.Value.ByteOffset;
        memory.WriteUInt64(physical + (ulong)btf.FindMember(module, "kallsyms")!.Value.ByteOffset, fake + core);
        memory.WriteUInt64(physical + core + (ulong)Member("symtab"), tables);
        memory.Write(physical + core + (ulong)Member("num_symtab"), BitConverter.GetBytes(entries.Length));
        memory.WriteUInt64(physical + core + (ulong)Member("strtab"), tables + 0x200);
        memory.WriteUInt64(physical + core + (ulong)Member("typetab"), tables + 0x300);
    }
}
