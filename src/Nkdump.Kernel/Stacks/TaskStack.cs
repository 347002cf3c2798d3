using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Tasks;

namespace Nkdump.Kernel.Stacks;

/// <summary>
/// A task's (or a CPU's) stack: where the unwind started (a CPU's NT_PRSTATUS registers or the
/// task's saved switch frame), the trace, or the reason there is none.
/// </summary>
public sealed record TaskStack(KernelTask? Task, int? Cpu, string StartedFrom, Backtrace? Trace, string? Problem);
