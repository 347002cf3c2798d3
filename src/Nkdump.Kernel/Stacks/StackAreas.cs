using Nkdump.Formats;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Tasks;

namespace Nkdump.Kernel.Stacks;

/// <summary>
/// One stack a trace can run on, named as the kernel's stack dump names it (stack_type_name() in
/// arch/x86/kernel/dumpstack_64.c): "TASK", "IRQ", and the exception stacks "#DF", "NMI", "#DB",
/// "#MC", "#VC", "#VC2". <see cref="End"/> is one past its highest byte.
/// </summary>
public sealed record StackArea(string Name, ulong Start, ulong End)
{
    public bool Contains(ulong address) => address >= Start && address < End;
}

/// <summary>
/// Where a task's and a CPU's stacks are (get_stack_info() in arch/x86/kernel/dumpstack_64.c):
/// the task stack from task->stack, THREAD_SIZE long; the CPU's hard IRQ stack below the per-CPU
/// hardirq_stack_ptr (pcpu_hot.hardirq_stack_ptr on 6.2 to 6.x), which points at its last word;
/// the exception stacks of struct cea_exception_stacks at the per-CPU cea_exception_stacks. Sizes
/// come from BTF (union thread_union, struct irq_stack, the struct's members), never from a table.
/// </summary>
internal static class StackAreas
{
    /// <summary>THREAD_SIZE and IRQ_STACK_SIZE on x86_64 without KASAN, when BTF has no answer.</summary>
    private const ulong DefaultStackSize = 16384;

    public static IReadOnlyList<StackArea> For(KernelSession session, KernelTask? task, int? cpu)
    {
        var areas = new List<StackArea>();
        if (session.Tasks is not { } tasks)
        {
            return areas;
        }

        var btf = tasks.Btf;
        var memory = session.Kernel.Memory;
        if (task is not null && memory.TryReadUInt64(task.Address + (ulong)tasks.Layout.Stack, out var stack, out _) && stack != 0)
        {
            areas.Add(new StackArea("TASK", stack, stack + Size(btf, "thread_union", BtfKind.Union)));
        }

        if (cpu is not { } c)
        {
            return areas;
        }

        var irqPointer = tasks.PerCpuAddress("hardirq_stack_ptr", c)
            ?? (tasks.PerCpuAddress("pcpu_hot", c) is { } hot && btf.FindPath("pcpu_hot.hardirq_stack_ptr") is { } member ? hot + (ulong)member.ByteOffset : null);
        if (irqPointer is { } at && memory.TryReadUInt64(at, out var lastWord, out _) && lastWord != 0)
        {
            var top = lastWord + 8;
            areas.Add(new StackArea("IRQ", top - Size(btf, "irq_stack", BtfKind.Struct), top));
        }

        if (tasks.PerCpuAddress("cea_exception_stacks", c) is { } ceaAt && memory.TryReadUInt64(ceaAt, out var cea, out _) && cea != 0
            && btf.Find("cea_exception_stacks", BtfKind.Struct) is { } stacks)
        {
            foreach (var m in stacks.Members.Where(m => m.Name.EndsWith("_stack", StringComparison.Ordinal)))
            {
                var start = cea + (m.BitOffset / 8);
                areas.Add(new StackArea(ExceptionStackName(m.Name[..^"_stack".Length]), start, start + (ulong)btf.SizeOf(m.Type)));
            }
        }

        return areas;
    }

    /// <summary>The kernel's exception_stack_names[]: "#DF", "NMI", "#DB", "#MC", "#VC", "#VC2".</summary>
    private static string ExceptionStackName(string member) => member switch
    {
        "NMI" => "NMI",
        "MCE" => "#MC",
        _ => "#" + member,
    };

    private static ulong Size(BtfTypes btf, string name, BtfKind kind)
    {
        try
        {
            return btf.Find(name, kind) is { } type && btf.SizeOf(type.Id) is > 0 and var size ? (ulong)size : DefaultStackSize;
        }
        catch (NkdumpException)
        {
            return DefaultStackSize;
        }
    }
}
