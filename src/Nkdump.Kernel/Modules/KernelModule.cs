namespace Nkdump.Kernel.Modules;

/// <summary>
/// One block of a module's memory. On 6.4+ each of struct module's mem[MOD_TEXT..MOD_INIT_RODATA]
/// (struct module_memory) is allocated on its own and has its own base; before, the core and init
/// layouts were one allocation each, text first, then read-only data, read-only-after-init data
/// and data, so the blocks are slices of it. <see cref="Kind"/> is the mod_mem_type name without
/// "MOD_", lower case ("text", "init_rodata"); the older layouts use the same names.
/// </summary>
public sealed record ModuleRegion(string Kind, ulong Base, ulong Size)
{
    public bool IsInit => Kind.StartsWith("init", StringComparison.Ordinal);

    public bool IsText => Kind.EndsWith("text", StringComparison.Ordinal);

    public bool Contains(ulong address) => Base != 0 && address >= Base && address - Base < Size;
}

/// <summary>Where a module's ORC table is (struct mod_arch_specific: orc_unwind_ip, orc_unwind, num_orcs).</summary>
public sealed record ModuleOrcLocation(ulong IpTable, ulong EntryTable, uint Count);

/// <summary>Where a module's own symbol table is (struct mod_kallsyms: symtab, num_symtab, strtab, typetab).</summary>
public sealed record ModuleKallsymsLocation(ulong Symtab, uint Count, ulong Strtab, ulong? Typetab);

/// <summary>
/// One loaded module: its struct module address, name, state, memory regions, taint bits
/// (module->taints, the kernel's taint_flags bits) and where its ORC table and symbols are.
/// </summary>
public sealed record KernelModule(
    ulong Address,
    string Name,
    string State,
    IReadOnlyList<ModuleRegion> Regions,
    ulong? Taints,
    ModuleOrcLocation? Orc,
    ModuleKallsymsLocation? Kallsyms)
{
    /// <summary>Where its core text starts (crash's "BASE"), 0 when unknown.</summary>
    public ulong Base => Regions.FirstOrDefault(r => r.Kind == "text")?.Base ?? 0;

    /// <summary>The core text's size.</summary>
    public ulong TextSize => Regions.FirstOrDefault(r => r.Kind == "text")?.Size ?? 0;

    /// <summary>Bytes of the core layout (text, data, rodata, ro_after_init).</summary>
    public ulong CoreSize => Sum(init: false);

    /// <summary>Bytes of the init layout (0 once the module's init has run and its memory was freed).</summary>
    public ulong InitSize => Sum(init: true);

    /// <summary>The size /proc/modules and lsmod report: core and init layouts together.</summary>
    public ulong Size => CoreSize + InitSize;

    /// <summary>The region holding <paramref name="address"/>, or null.</summary>
    public ModuleRegion? RegionOf(ulong address) => Regions.FirstOrDefault(r => r.Contains(address));

    private ulong Sum(bool init) => Regions.Where(r => r.IsInit == init).Aggregate(0UL, (total, r) => total + r.Size);
}
