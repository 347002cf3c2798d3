namespace Nkdump.Collector.Filtering;

/// <summary>
/// A run of page frames [StartPfn, EndPfn) whose struct pages start at the kernel virtual address
/// <see cref="MemMap"/> (the struct page of StartPfn). Sections without a mem_map are not listed.
/// </summary>
public readonly record struct MemMapSection(ulong StartPfn, ulong EndPfn, ulong MemMap);
