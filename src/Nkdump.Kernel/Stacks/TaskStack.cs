using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Tasks;

namespace Nkdump.Kernel.Stacks;

/// <summary>
/// A task's (or a CPU's) stack: where the unwind started (a CPU's NT_PRSTATUS registers or the
/// task's saved switch frame), the trace, or the reason there is none. <see cref="Areas"/> are the
/// stacks the trace may run on (the task's, the CPU's IRQ and exception stacks), to name where each
/// frame is as the kernel's trace does (&lt;IRQ&gt; … &lt;/IRQ&gt;).
/// </summary>
public sealed record TaskStack(KernelTask? Task, int? Cpu, string StartedFrom, Backtrace? Trace, string? Problem)
{
    public IReadOnlyList<StackArea> Areas { get; init; } = [];

    /// <summary>Why <see cref="Task"/> holds only what the CPU's note and the log say (its task_struct is not readable), or null.</summary>
    public string? TaskProblem { get; init; }

    /// <summary>The stack <paramref name="sp"/> is on, or null when it is on none of the known ones.</summary>
    public StackArea? AreaOf(ulong sp) => Areas.FirstOrDefault(a => a.Contains(sp));
}
