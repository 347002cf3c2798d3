using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Btf;

namespace Nkdump.Analysis.Memory;

/// <summary>One line of "kmem -i": a counter in pages (null when it could not be read) and where it came from.</summary>
internal sealed record MemoryLine(string Name, long? Pages, string Source);

/// <summary>
/// The memory summary ("kmem -i"): total RAM (_totalram_pages, 5.0+, else totalram_pages) and the
/// global vm counters (vm_zone_stat[], vm_node_stat[] indexed by the enum zone_stat_item /
/// node_stat_item values BTF gives, so moved items are found on every version). NR_KERNEL_STACK_KB
/// is kept in KiB and converted. The NR_SLAB_*_B items (5.9+) are bytes only in memcg counters:
/// the global node counters store them in pages (mm/vmstat.c shifts byte deltas by PAGE_SHIFT).
/// </summary>
internal static class MemorySummary
{
    private static readonly (string Label, string Item, string Unit)[] Items =
    [
        ("FREE", "NR_FREE_PAGES", "pages"),
        ("FILE (page cache)", "NR_FILE_PAGES", "pages"),
        ("SHARED (shmem)", "NR_SHMEM", "pages"),
        ("ANON", "NR_ANON_MAPPED", "pages"),
        ("SLAB reclaimable", "NR_SLAB_RECLAIMABLE_B", "pages"),
        ("SLAB reclaimable", "NR_SLAB_RECLAIMABLE", "pages"),
        ("SLAB unreclaimable", "NR_SLAB_UNRECLAIMABLE_B", "pages"),
        ("SLAB unreclaimable", "NR_SLAB_UNRECLAIMABLE", "pages"),
        ("PAGE TABLES", "NR_PAGETABLE", "pages"),
        ("KERNEL STACK", "NR_KERNEL_STACK_KB", "kb"),
        ("DIRTY", "NR_FILE_DIRTY", "pages"),
        ("WRITEBACK", "NR_WRITEBACK", "pages"),
    ];

    public static IReadOnlyList<MemoryLine> Read(KernelContext kernel, BtfTypes? btf)
    {
        var lines = new List<MemoryLine>();
        var symbols = kernel.Symbols;
        var pageSize = kernel.Physical.PageSize;

        long? ReadLong(string symbol, ulong index = 0)
        {
            if (symbols is null || !symbols.TryGetAddress(symbol, out var address))
            {
                return null;
            }

            return kernel.Memory.TryReadUInt64(address + (index * 8), out var value, out _) ? (long)value : null;
        }

        var total = ReadLong("_totalram_pages") ?? ReadLong("totalram_pages");
        lines.Add(new MemoryLine("TOTAL MEM", total, total is null ? "_totalram_pages not readable" : "_totalram_pages"));
        if (btf is null)
        {
            lines.Add(new MemoryLine("(vm counters)", null, "no BTF: the enum zone_stat_item / node_stat_item indexes are unknown"));
            return lines;
        }

        var zone = btf.Find("zone_stat_item", BtfKind.Enum);
        var node = btf.Find("node_stat_item", BtfKind.Enum);
        var done = new HashSet<string>();
        foreach (var (label, item, unit) in Items)
        {
            if (done.Contains(label))
            {
                continue;
            }

            var (array, index) = Index(zone, item) is { } z ? ("vm_zone_stat", z) : Index(node, item) is { } n ? ("vm_node_stat", n) : (null, -1L);
            if (array is null)
            {
                continue;
            }

            done.Add(label);
            var raw = ReadLong(array, (ulong)index);
            long? pages = raw is { } r ? unit switch
            {
                "kb" => r * 1024 / pageSize,
                _ => r,
            } : null;
            lines.Add(new MemoryLine(label, pages is < 0 ? 0 : pages, $"{array}[{item}]"));
        }

        var swap = ReadLong("total_swap_pages");
        lines.Add(new MemoryLine("TOTAL SWAP", swap, "total_swap_pages"));
        return lines;
    }

    private static long? Index(BtfType? enumType, string name) =>
        enumType?.Enumerators.FirstOrDefault(e => e.Name == name) is { Name: not null } e ? e.Value : null;
}
