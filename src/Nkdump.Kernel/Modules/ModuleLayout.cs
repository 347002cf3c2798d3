using Nkdump.Formats;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Modules;

/// <summary>
/// Where the fields the module reader needs sit in struct module, struct mod_kallsyms and the
/// memory layout structs, from the kernel's BTF: every kernel BTF describes reads with one reader,
/// whichever of the three memory layouts it has (see <see cref="ReadRegions"/>).
/// </summary>
internal sealed class ModuleLayout
{
    private readonly Func<KernelMemory, ulong, IReadOnlyList<ModuleRegion>> _regions;

    private ModuleLayout(Func<KernelMemory, ulong, IReadOnlyList<ModuleRegion>> regions) => _regions = regions;

    public required long List { get; init; }
    public required long Name { get; init; }
    public required int NameLength { get; init; }
    public long? State { get; init; }
    public BtfType? StateEnum { get; init; }
    public long? Taints { get; init; }

    /// <summary>struct module.kallsyms (a pointer, 4.6+) and core_kallsyms (the struct it points to once init is done).</summary>
    public long? KallsymsPointer { get; init; }
    public long? CoreKallsyms { get; init; }

    /// <summary>struct mod_kallsyms: symtab, num_symtab, strtab, typetab (5.1+; null before).</summary>
    public long? Symtab { get; init; }
    public long? NumSymtab { get; init; }
    public long? Strtab { get; init; }
    public long? Typetab { get; init; }

    /// <summary>struct mod_arch_specific's ORC table (CONFIG_UNWINDER_ORC).</summary>
    public long? OrcCount { get; init; }
    public long? OrcIp { get; init; }
    public long? OrcEntries { get; init; }

    public static ModuleLayout From(BtfTypes btf)
    {
        var module = btf.Find("module", BtfKind.Struct) ?? throw new NkdumpException($"{btf.Source}: no struct module");
        long Need(string path) => btf.FindPath(module.Id, path.Split('.'))?.ByteOffset
            ?? throw new NkdumpException($"{btf.Source}: struct module has no {path}");
        long? Maybe(string path) => btf.FindPath(module.Id, path.Split('.'))?.ByteOffset;

        var name = btf.FindMember(module.Id, "name") ?? throw new NkdumpException($"{btf.Source}: struct module has no name");
        var state = btf.FindMember(module.Id, "state");
        var kallsyms = btf.Find("mod_kallsyms", BtfKind.Struct);
        long? InKallsyms(string member) => kallsyms is null ? null : btf.FindMember(kallsyms.Id, member)?.ByteOffset;
        return new ModuleLayout(RegionReader(btf, module.Id))
        {
            List = Need("list"),
            Name = name.ByteOffset,
            NameLength = (int)Math.Clamp(btf.SizeOf(name.Type), 1, 256),
            State = state?.ByteOffset,
            StateEnum = state is { } s ? btf.Resolve(s.Type) : null,
            Taints = Maybe("taints"),
            KallsymsPointer = Maybe("kallsyms"),
            CoreKallsyms = Maybe("core_kallsyms"),
            Symtab = InKallsyms("symtab"),
            NumSymtab = InKallsyms("num_symtab"),
            Strtab = InKallsyms("strtab"),
            Typetab = InKallsyms("typetab"),
            OrcCount = Maybe("arch.num_orcs"),
            OrcIp = Maybe("arch.orc_unwind_ip"),
            OrcEntries = Maybe("arch.orc_unwind"),
        };
    }

    /// <summary>The module's memory regions (regions of size 0 are left out).</summary>
    public IReadOnlyList<ModuleRegion> ReadRegions(KernelMemory memory, ulong module) => _regions(memory, module);

    private static Func<KernelMemory, ulong, IReadOnlyList<ModuleRegion>> RegionReader(BtfTypes btf, int module)
    {
        // 6.4+ (commit ac3b43283923, "module: replace module_layout with module_memory"):
        // struct module_memory mem[MOD_MEM_NUM_TYPES], indexed by enum mod_mem_type, each with its own base.
        if (btf.FindMember(module, "mem") is { } mem && btf.Resolve(mem.Type) is { Kind: BtfKind.Array } array
            && btf.Find("module_memory", BtfKind.Struct) is { } moduleMemory)
        {
            var baseOffset = (ulong)(btf.FindMember(moduleMemory.Id, "base")?.ByteOffset
                ?? throw new NkdumpException($"{btf.Source}: struct module_memory has no base"));
            var size = btf.FindMember(moduleMemory.Id, "size") ?? throw new NkdumpException($"{btf.Source}: struct module_memory has no size");
            var stride = (ulong)btf.SizeOf(moduleMemory.Id);
            var kinds = MemoryTypeNames(btf, array.Array.Count);
            return (memory, address) =>
            {
                var regions = new List<ModuleRegion>();
                for (var i = 0; i < kinds.Length; i++)
                {
                    var at = address + (ulong)mem.ByteOffset + ((ulong)i * stride);
                    var bytes = memory.ReadUInt32(at + (ulong)size.ByteOffset, "module_memory.size");
                    if (bytes != 0)
                    {
                        regions.Add(new ModuleRegion(kinds[i], memory.ReadPointer(at + baseOffset, "module_memory.base"), bytes));
                    }
                }

                return regions;
            };
        }

        // 4.5-6.3: struct module_layout core_layout, init_layout { void *base; unsigned int size,
        // text_size, ro_size, ro_after_init_size (4.8+); }: one allocation each, sliced in that order.
        if (btf.Find("module_layout", BtfKind.Struct) is { } layout && btf.FindMember(module, "core_layout") is { } core
            && btf.FindMember(module, "init_layout") is { } init)
        {
            long Field(string name) => btf.FindMember(layout.Id, name)?.ByteOffset ?? -1;
            var fields = (Base: Field("base"), Size: Field("size"), Text: Field("text_size"), Ro: Field("ro_size"), RoAfterInit: Field("ro_after_init_size"));
            if (fields.Base < 0 || fields.Size < 0 || fields.Text < 0 || fields.Ro < 0)
            {
                throw new NkdumpException($"{btf.Source}: struct module_layout lacks base, size, text_size or ro_size");
            }

            return (memory, address) =>
            [
                .. Slices(memory, address + (ulong)core.ByteOffset, fields, ""),
                .. Slices(memory, address + (ulong)init.ByteOffset, fields, "init_"),
            ];
        }

        throw new NkdumpException($"{btf.Source}: struct module has neither mem[] (6.4+) nor core_layout (4.5-6.3)");
    }

    /// <summary>One layout's slices: text, rodata, ro_after_init, data (each from its end marker to the next).</summary>
    private static IEnumerable<ModuleRegion> Slices(KernelMemory memory, ulong layout, (long Base, long Size, long Text, long Ro, long RoAfterInit) f, string prefix)
    {
        var start = memory.ReadPointer(layout + (ulong)f.Base, "module_layout.base");
        var size = memory.ReadUInt32(layout + (ulong)f.Size, "module_layout.size");
        var text = Math.Min(memory.ReadUInt32(layout + (ulong)f.Text, "module_layout.text_size"), size);
        var ro = Math.Clamp(memory.ReadUInt32(layout + (ulong)f.Ro, "module_layout.ro_size"), text, size);
        var roAfterInit = f.RoAfterInit >= 0 ? Math.Clamp(memory.ReadUInt32(layout + (ulong)f.RoAfterInit, "module_layout.ro_after_init_size"), ro, size) : ro;
        (string Kind, uint From, uint To)[] slices = [("text", 0, text), ("rodata", text, ro), ("ro_after_init", ro, roAfterInit), ("data", roAfterInit, size)];
        foreach (var (kind, from, to) in slices)
        {
            if (to > from)
            {
                yield return new ModuleRegion(prefix + kind, start + from, to - from);
            }
        }
    }

    /// <summary>enum mod_mem_type's names by value ("MOD_INIT_TEXT" → "init_text"), for the first <paramref name="count"/> values.</summary>
    private static string[] MemoryTypeNames(BtfTypes btf, uint count)
    {
        var names = new string[Math.Min(count, 64u)];
        var type = btf.Find("mod_mem_type", BtfKind.Enum) ?? btf.Find("mod_mem_type", BtfKind.Enum64);
        for (var i = 0; i < names.Length; i++)
        {
            var name = type?.Enumerators.FirstOrDefault(e => e.Value == i).Name;
            names[i] = name is null ? $"mem{i}" : (name.StartsWith("MOD_", StringComparison.Ordinal) ? name[4..] : name).ToLowerInvariant();
        }

        return names;
    }
}
