using Nkdump.Formats;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Orc;

namespace Nkdump.Kernel.Modules;

/// <summary>One loaded module: its struct module address, name, where its core text lies, and its ORC table.</summary>
public sealed record KernelModule(ulong Address, string Name, ulong Base, ulong Size, string State, ulong? OrcIp, ulong? OrcEntries, uint OrcCount);

/// <summary>
/// The loaded modules: the list at the kernel variable <c>modules</c>, entries linked by
/// struct module.list, read with the layout BTF gives. The module's memory is described by
/// mem[MOD_TEXT..] (struct module_memory, 6.4+), core_layout (4.5–6.3) or module_core/core_size (older).
/// </summary>
public sealed class ModuleList
{
    /// <summary>More modules than this means a damaged list (a big server loads a few hundred).</summary>
    public const int MaxModules = 65536;

    private ModuleList(IReadOnlyList<KernelModule> modules, IReadOnlyList<string> problems)
    {
        Modules = modules;
        Problems = problems;
    }

    public IReadOnlyList<KernelModule> Modules { get; }

    public IReadOnlyList<string> Problems { get; }

    public static ModuleList Read(KernelContext kernel, BtfTypes btf)
    {
        var symbols = kernel.Symbols ?? throw new NkdumpException($"modules need kernel symbols: {kernel.SymbolsProblem}");
        if (!symbols.TryGetAddress("modules", out var head))
        {
            throw new NkdumpException("no 'modules' symbol: the module list cannot be found");
        }

        var module = btf.Find("module", BtfKind.Struct) ?? throw new NkdumpException($"{btf.Source}: no struct module");
        long Need(string path) => btf.FindPath(module.Id, path.Split('.'))?.ByteOffset
            ?? throw new NkdumpException($"{btf.Source}: struct module has no {path}");
        long? Maybe(string path) => btf.FindPath(module.Id, path.Split('.'))?.ByteOffset;

        var list = Need("list");
        var name = btf.FindMember(module.Id, "name") ?? throw new NkdumpException($"{btf.Source}: struct module has no name");
        var nameLength = (int)Math.Clamp(btf.SizeOf(name.Type), 1, 256);
        var state = Maybe("state");
        var layout = MemoryLayout(btf, module.Id);
        var orcCount = Maybe("arch.num_orcs");
        var orcIp = Maybe("arch.orc_unwind_ip");
        var orcEntries = Maybe("arch.orc_unwind");
        var stateEnum = state is { } ? btf.Resolve(btf.FindMember(module.Id, "state")!.Value.Type) : null;

        var modules = new List<KernelModule>();
        var problems = new List<string>();
        var seen = new HashSet<ulong>();
        var link = head;
        var memory = kernel.Memory;
        Span<byte> scratch = stackalloc byte[4];
        while (modules.Count < MaxModules)
        {
            if (!memory.TryReadUInt64(link, out var next, out var failure))
            {
                problems.Add($"module list broken at 0x{link:x}: {failure}");
                break;
            }

            if (next == head)
            {
                break;
            }

            if (next == 0 || !seen.Add(next))
            {
                problems.Add($"module list loops or ends in NULL at 0x{link:x}");
                break;
            }

            link = next;
            var address = next - (ulong)list;
            try
            {
                var moduleName = memory.ReadCString(address + (ulong)name.ByteOffset, nameLength, "module name");
                var (baseAddress, size) = layout(memory, address);
                var stateName = "";
                if (state is { } s && stateEnum is { } e && memory.TryRead(address + (ulong)s, scratch, out _))
                {
                    var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(scratch);
                    stateName = e.Enumerators.FirstOrDefault(x => x.Value == value).Name ?? value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                ulong? ip = null, entries = null;
                uint count = 0;
                if (orcCount is { } c && orcIp is { } i && orcEntries is { } o)
                {
                    count = memory.ReadUInt32(address + (ulong)c, "module num_orcs");
                    ip = memory.ReadPointer(address + (ulong)i, "module orc_unwind_ip");
                    entries = memory.ReadPointer(address + (ulong)o, "module orc_unwind");
                }

                modules.Add(new KernelModule(address, moduleName, baseAddress, size, stateName, ip, entries, count));
            }
            catch (NkdumpException ex)
            {
                problems.Add($"module at 0x{address:x}: {ex.Message}");
            }
        }

        return new ModuleList(modules, problems);
    }

    /// <summary>The ORC tables of the modules that have one (unreadable ones are skipped).</summary>
    public IEnumerable<OrcTable> OrcTables(KernelContext kernel, OrcFormat format)
    {
        foreach (var module in Modules)
        {
            if (module.OrcIp is { } ip && module.OrcEntries is { } entries && module.OrcCount > 0)
            {
                OrcTable? table = null;
                try
                {
                    table = OrcTable.Read(kernel, module.Name, ip, entries, module.OrcCount, format);
                }
                catch (NkdumpException)
                {
                    // A module whose ORC pages are not in the dump: frames in it fall back to frame pointers.
                }

                if (table is not null)
                {
                    yield return table;
                }
            }
        }
    }

    /// <summary>The module that contains <paramref name="address"/> in its core memory, or null.</summary>
    public KernelModule? Containing(ulong address) =>
        Modules.FirstOrDefault(m => address >= m.Base && address - m.Base < m.Size);

    private static Func<Nkdump.Kernel.Memory.KernelMemory, ulong, (ulong Base, ulong Size)> MemoryLayout(BtfTypes btf, int module)
    {
        // 6.4+ (commit ac3b43283923): struct module_memory mem[MOD_MEM_NUM_TYPES]; MOD_TEXT is 0 and the
        // core types (text, data, rodata, ro_after_init) come before the init ones.
        if (btf.FindMember(module, "mem") is { } mem && btf.Resolve(mem.Type) is { Kind: BtfKind.Array } array
            && btf.Find("module_memory", BtfKind.Struct) is { } moduleMemory)
        {
            var baseOffset = (ulong)(btf.FindMember(moduleMemory.Id, "base")?.ByteOffset ?? 0);
            var sizeOffset = (ulong)(btf.FindMember(moduleMemory.Id, "size")?.ByteOffset
                ?? throw new NkdumpException($"{btf.Source}: struct module_memory has no size"));
            var stride = (ulong)btf.SizeOf(moduleMemory.Id);
            var coreTypes = Math.Min(array.Array.Count, 4u);
            return (memory, address) =>
            {
                var first = address + (ulong)mem.ByteOffset;
                ulong total = 0;
                for (var i = 0u; i < coreTypes; i++)
                {
                    total += memory.ReadUInt32(first + (i * stride) + sizeOffset, "module_memory.size");
                }

                return (memory.ReadPointer(first + baseOffset, "module_memory.base"), total);
            };
        }

        // 4.5–6.3: struct module_layout core_layout { void *base; unsigned int size; ... }.
        if (btf.FindPath(module, ["core_layout", "base"]) is { } layoutBase && btf.FindPath(module, ["core_layout", "size"]) is { } layoutSize)
        {
            return (memory, address) => (memory.ReadPointer(address + (ulong)layoutBase.ByteOffset, "core_layout.base"),
                memory.ReadUInt32(address + (ulong)layoutSize.ByteOffset, "core_layout.size"));
        }

        // Older: module_core / core_size.
        if (btf.FindMember(module, "module_core") is { } core && btf.FindMember(module, "core_size") is { } coreSize)
        {
            return (memory, address) => (memory.ReadPointer(address + (ulong)core.ByteOffset, "module_core"),
                memory.ReadUInt32(address + (ulong)coreSize.ByteOffset, "core_size"));
        }

        return (_, _) => (0, 0);
    }
}
