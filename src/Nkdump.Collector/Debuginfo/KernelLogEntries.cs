using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Collector.Debuginfo;

/// <summary>
/// The VMCOREINFO entries of the kernel log and the memory map that crash_save_vmcoreinfo_init()
/// (kernel/vmcore_info.c, kernel/printk/printk.c log_buf_vmcoreinfo_setup) exports, from BTF and
/// symbols: enough for --dump-dmesg and for readers of the dump without VMCOREINFO. Absent types
/// and symbols (another kernel version) are left out as the kernel leaves them out.
/// </summary>
internal static class KernelLogEntries
{
    private static readonly string[] Sizes =
    [
        "list_head", "pglist_data", "zone", "free_area", "nodemask_t", "printk_ringbuffer", "prb_desc_ring", "prb_desc",
        "prb_data_blk_lpos", "printk_info", "dev_printk_info", "prb_data_ring", "atomic_long_t", "latched_seq",
    ];

    private static readonly string[] Offsets =
    [
        "uts_namespace.name", "pglist_data.node_zones", "pglist_data.nr_zones", "pglist_data.node_start_pfn",
        "pglist_data.node_spanned_pages", "pglist_data.node_id", "zone.free_area", "zone.vm_stat", "zone.spanned_pages",
        "free_area.free_list", "vmap_area.va_start", "vmap_area.list",
        "printk_ringbuffer.desc_ring", "printk_ringbuffer.text_data_ring", "printk_ringbuffer.fail",
        "prb_desc_ring.count_bits", "prb_desc_ring.descs", "prb_desc_ring.infos", "prb_desc_ring.head_id", "prb_desc_ring.tail_id",
        "prb_desc.state_var", "prb_desc.text_blk_lpos", "prb_data_blk_lpos.begin", "prb_data_blk_lpos.next",
        "printk_info.seq", "printk_info.ts_nsec", "printk_info.text_len", "printk_info.caller_id", "printk_info.dev_info",
        "dev_printk_info.subsystem", "dev_printk_info.device", "prb_data_ring.size_bits", "prb_data_ring.data",
        "prb_data_ring.head_lpos", "prb_data_ring.tail_lpos", "atomic_long_t.counter", "latched_seq.val",
    ];

    /// <summary>The lockless ring buffer (5.10+, commit 896fbe20b4e2 "printk: use the lockless ringbuffer").</summary>
    private static readonly string[] RingBufferSymbols = ["prb", "printk_rb_static", "clear_seq"];

    /// <summary>The structured log_buf before 5.10.</summary>
    private static readonly string[] LogBufSymbols = ["log_buf", "log_buf_len", "log_first_idx", "clear_idx", "log_next_idx"];

    private static readonly string[] LogRecordMembers = ["ts_nsec", "len", "text_len", "dict_len", "caller_id"];

    private static readonly string[] OtherSymbols =
    [
        "node_online_map", "vmap_area_list", "node_data", "kallsyms_names", "kallsyms_num_syms", "kallsyms_token_table",
        "kallsyms_token_index", "kallsyms_offsets", "kallsyms_relative_base",
    ];

    public static void Add(EntryWriter entries, BtfTypes types, SymbolTable symbols)
    {
        foreach (var type in Sizes)
        {
            entries.Size(type);
        }

        foreach (var member in Offsets)
        {
            entries.Offset(member);
        }

        entries.Length("dev_printk_info.subsystem", "printk_info_subsystem");
        entries.Length("dev_printk_info.device", "printk_info_device");
        entries.Length("free_area.free_list");
        if (types.Find("zone_stat_item", BtfKind.Enum)?.Enumerators.FirstOrDefault(e => e.Name == "NR_FREE_PAGES") is { Name: not null } free)
        {
            entries.Number("NR_FREE_PAGES", free.Value);
        }

        // A kernel has one log or the other; a 5.10+ kernel still has a log_buf variable, which
        // its VMCOREINFO does not name, and readers choose the log by the symbols they find.
        var ringBuffer = symbols.TryGetAddress("prb", out _);
        foreach (var name in ringBuffer ? RingBufferSymbols : LogBufSymbols)
        {
            entries.Symbol(symbols, name);
        }

        if (!ringBuffer)
        {
            var record = types.Find("printk_log", BtfKind.Struct) is not null ? "printk_log" : "log";
            entries.Size(record);
            foreach (var member in LogRecordMembers)
            {
                entries.Offset($"{record}.{member}");
            }
        }

        foreach (var name in OtherSymbols)
        {
            entries.Symbol(symbols, name);
        }
    }
}
