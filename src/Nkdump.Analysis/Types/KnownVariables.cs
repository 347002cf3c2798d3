namespace Nkdump.Analysis.Types;

/// <summary>
/// The C types of kernel global variables. Kernel BTF describes types and functions but not
/// global variables (only per-CPU ones, in the .data..percpu DATASEC), so a symbol's type comes
/// from this table of our own (documented in docs/ANALYSIS.md). Per-CPU variables are marked;
/// their symbol value is an offset added to __per_cpu_offset[cpu].
/// </summary>
internal static class KnownVariables
{
    internal sealed record Variable(string Name, string Type, bool PerCpu, string Note);

    public static IReadOnlyList<Variable> All { get; } =
    [
        new("init_task", "struct task_struct", false, "CPU 0's idle task and head of the task list"),
        new("init_uts_ns", "struct uts_namespace", false, "uname: release, version, machine, nodename"),
        new("modules", "struct list_head", false, "head of the loaded-module list (struct module.list)"),
        new("runqueues", "struct rq", true, "each CPU's run queue (curr, idle)"),
        new("_totalram_pages", "atomic_long_t", false, "pages of RAM the page allocator manages (5.0+)"),
        new("vm_zone_stat", "atomic_long_t [NR_VM_ZONE_STAT_ITEMS]", false, "zone counters indexed by enum zone_stat_item"),
        new("vm_node_stat", "atomic_long_t [NR_VM_NODE_STAT_ITEMS]", false, "node counters indexed by enum node_stat_item"),
        new("panic_cpu", "atomic_t", false, "the CPU that called panic(), -1 if none"),
        new("tainted_mask", "unsigned long", false, "TAINT_* bits"),
        new("nr_cpu_ids", "unsigned int", false, "number of possible CPU ids"),
        new("__per_cpu_offset", "unsigned long [NR_CPUS]", false, "per-CPU area offsets"),
        new("total_swap_pages", "long", false, "swap space in pages"),
        new("jiffies_64", "u64", false, "timer ticks since boot"),
    ];

    public static Variable? Find(string name) => All.FirstOrDefault(v => v.Name == name);
}
