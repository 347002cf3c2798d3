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
/// BTF layout) into a free page of the real dump and linked into the 'modules' list. 6.1 describes
/// module memory with core_layout, 6.12 with mem[MOD_TEXT..]: both paths are exercised.
/// </summary>
public class ModuleListTests
{
    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void APlantedModuleIsListedWithNameBaseSizeAndState(string fixture)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var memory = new PatchedMemory(dump.Memory);
        var kernel = KernelContext.Open(memory, dump.VmcoreInfo);
        var btf = BtfLoader.FromKernel(kernel);
        Assert.Empty(ModuleList.Read(kernel, btf).Modules);

        var module = btf.Find("module", BtfKind.Struct)!;
        long Offset(params string[] path) => btf.FindPath(module.Id, path)!.Value.ByteOffset;
        var fake = kernel.Layout.PageOffsetBase + 0x3000000; // a page in the direct map, rewritten below
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

        const ulong textBase = 0xffffffffc0a00000;
        ulong expectedSize;
        if (btf.FindMember(module.Id, "mem") is { } mem)
        {
            // 6.4+: mem[MOD_TEXT], mem[MOD_DATA], mem[MOD_RODATA], mem[MOD_RO_AFTER_INIT] count; init ones do not.
            var moduleMemory = btf.Find("module_memory", BtfKind.Struct)!;
            var stride = (ulong)btf.SizeOf(moduleMemory.Id);
            var sizeAt = (ulong)btf.FindMember(moduleMemory.Id, "size")!.Value.ByteOffset;
            memory.WriteUInt64(physical + (ulong)mem.ByteOffset, textBase);
            uint[] sizes = [0x3000, 0x1000, 0x2000, 0x1000, 0x5000];
            for (var i = 0; i < sizes.Length; i++)
            {
                memory.Write(physical + (ulong)mem.ByteOffset + ((ulong)i * stride) + sizeAt, BitConverter.GetBytes(sizes[i]));
            }

            expectedSize = 0x7000;
        }
        else
        {
            memory.WriteUInt64(physical + (ulong)Offset("core_layout", "base"), textBase);
            memory.Write(physical + (ulong)Offset("core_layout", "size"), BitConverter.GetBytes(0x6000u));
            expectedSize = 0x6000;
        }

        var modules = ModuleList.Read(kernel, btf);
        Assert.Empty(modules.Problems);
        var planted = Assert.Single(modules.Modules);
        Assert.Equal("planted", planted.Name);
        Assert.Equal(fake, planted.Address);
        Assert.Equal(textBase, planted.Base);
        Assert.Equal(expectedSize, planted.Size);
        Assert.Equal("MODULE_STATE_LIVE", planted.State);
        Assert.Same(planted, modules.Containing(textBase + 0x10));
        Assert.Null(modules.Containing(textBase + expectedSize));

        // A self-linked entry (list.next pointing at itself) is a loop, reported, not followed forever.
        memory.WriteUInt64(physical + list, fake + list);
        var looping = ModuleList.Read(kernel, btf);
        Assert.Single(looping.Modules);
        Assert.Contains(looping.Problems, p => p.Contains("loops", StringComparison.Ordinal));
    }
}
