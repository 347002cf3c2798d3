using Nkdump.Formats;
using Nkdump.Kernel.Orc;
using Nkdump.Kernel.Tasks;

namespace Nkdump.Kernel.Stacks;

/// <summary>
/// Chooses where each stack starts and unwinds it: a task running on a CPU at the crash starts from
/// that CPU's NT_PRSTATUS registers (the kernel saved them in crash_save_cpu(); for the panicking
/// CPU inside __crash_kexec, for the others in the NMI that stopped them), any other task from the
/// frame __switch_to_asm left at task->thread.sp.
/// </summary>
public sealed class StackReader(KernelSession session)
{
    /// <summary>rq->curr of each CPU with an NT_PRSTATUS note, read once ("foreach bt" asks for every task).</summary>
    private ulong?[]? _current;

    /// <summary>The crashing CPU's stack (see <see cref="KernelSession.CrashingCpu"/>).</summary>
    public TaskStack Panic() => session.CrashingCpu is { } crashing
        ? ForCpu(crashing.Cpu)
        : new TaskStack(null, null, "nothing", null, "the dump has no NT_PRSTATUS notes: no CPU registers to start from");

    /// <summary>The stack of whatever ran on <paramref name="cpu"/> at the crash.</summary>
    public TaskStack ForCpu(int cpu)
    {
        if (cpu < 0 || cpu >= session.Dump.Cpus.Count)
        {
            return new TaskStack(null, cpu, "nothing", null, $"no NT_PRSTATUS note for CPU {cpu} (the dump has {session.Dump.Cpus.Count})");
        }

        var state = session.Dump.Cpus[cpu];
        KernelTask? task = null;
        string? taskProblem = null;
        if (session.Tasks is { } tasks)
        {
            var current = Try(() => tasks.CurrentTask(cpu));
            try
            {
                task = current is { } address ? tasks.Read(address) : null;
            }
            catch (NkdumpException e)
            {
                // The task_struct is not in the dump (a filter dropped its page): the CPU's note still
                // names the pid, and the crash's log line the command.
                var comm = session.CrashingCpu is { } crashing && crashing.Cpu == cpu && crashing.Pid == state.Pid ? crashing.Comm : null;
                task = new KernelTask(current!.Value, state.Pid, state.Pid, -1, cpu, '?', comm ?? "?", 0, state.Pid == 0);
                taskProblem = $"{e.Message}: pid from CPU {cpu}'s NT_PRSTATUS note{(comm is null ? "" : ", command from the log")}";
            }
        }

        return Unwind(task, cpu, $"CPU {cpu} registers (NT_PRSTATUS)", () => UnwindStart.FromCpu(state.Registers)) with { TaskProblem = taskProblem };
    }

    /// <summary>The stack of a task, from the CPU registers when it was running, else its saved frame.</summary>
    public TaskStack ForTask(KernelTask task)
    {
        if (session.Tasks is not { } tasks)
        {
            return new TaskStack(task, null, "nothing", null, session.TasksProblem);
        }

        _current ??= Enumerable.Range(0, session.Dump.Cpus.Count).Select(cpu => Try(() => tasks.CurrentTask(cpu))).ToArray();
        for (var cpu = 0; cpu < _current.Length; cpu++)
        {
            if (_current[cpu] == task.Address)
            {
                return Unwind(task, cpu, $"CPU {cpu} registers (NT_PRSTATUS)", () => UnwindStart.FromCpu(session.Dump.Cpus[cpu].Registers));
            }
        }

        return Unwind(task, null, "saved switch frame (thread.sp)",
            () => UnwindStart.FromSleepingTask(session.Kernel, tasks.Btf, task.Address, tasks.Layout.ThreadSp));
    }

    private TaskStack Unwind(KernelTask? task, int? cpu, string from, Func<UnwindStart> start)
    {
        if (session.Unwinder is not { } unwinder)
        {
            return new TaskStack(task, cpu, from, null, $"no unwinder: {session.UnwinderProblem}");
        }

        try
        {
            var areas = StackAreas.For(session, task, cpu);
            return new TaskStack(task, cpu, from, unwinder.Unwind(start(), areas), null) { Areas = areas };
        }
        catch (NkdumpException e)
        {
            return new TaskStack(task, cpu, from, null, e.Message);
        }
    }

    private static T? Try<T>(Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (NkdumpException)
        {
            return default;
        }
    }
}
