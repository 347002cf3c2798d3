using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Tasks;

/// <summary>
/// Walks the tasks of a crashed kernel: init_task.tasks (the thread-group leaders), each group's
/// threads, and the per-CPU idle tasks (runqueues.idle; init_task is CPU 0's). Damaged lists end
/// the walk with a recorded problem instead of an exception, so callers still get what was read.
/// </summary>
public sealed class TaskList
{
    private readonly KernelContext _kernel;
    private readonly List<string> _problems = [];

    public TaskList(KernelContext kernel, BtfTypes btf)
    {
        _kernel = kernel;
        Btf = btf;
        Layout = TaskLayout.From(btf);
        var symbols = kernel.Symbols ?? throw new NkdumpException($"tasks need kernel symbols: {kernel.SymbolsProblem}");
        if (!symbols.TryGetAddress("init_task", out var initTask))
        {
            throw new NkdumpException("no init_task symbol: the task list cannot be found");
        }

        InitTask = initTask;
    }

    public BtfTypes Btf { get; }

    public TaskLayout Layout { get; }

    public ulong InitTask { get; }

    /// <summary>What could not be read during the walks so far (pages excluded from the dump, broken links).</summary>
    public IReadOnlyList<string> Problems => _problems;

    private KernelMemory Memory => _kernel.Memory;

    /// <summary>Every task: the idle tasks first (when asked), then each thread group in list order.</summary>
    public IReadOnlyList<KernelTask> All(bool includeIdle = true)
    {
        var tasks = new List<KernelTask>();
        var seen = new HashSet<ulong>();
        if (includeIdle)
        {
            for (var cpu = 0; cpu < CpuCount(); cpu++)
            {
                if (IdleTask(cpu) is { } idle && seen.Add(idle) && TryRead(idle, isIdle: true) is { } task)
                {
                    tasks.Add(task);
                }
            }
        }

        foreach (var leader in WalkList(InitTask + (ulong)Layout.Tasks, Layout.Tasks, "init_task.tasks"))
        {
            foreach (var thread in Threads(leader))
            {
                if (seen.Add(thread) && TryRead(thread, isIdle: false) is { } task)
                {
                    tasks.Add(task);
                }
            }
        }

        return tasks;
    }

    /// <summary>The task with this pid (a thread id), or null. Pid 0 means CPU 0's idle task.</summary>
    public KernelTask? FindByPid(int pid) => All().FirstOrDefault(t => t.Pid == pid);

    /// <summary>Reads one task_struct. Throws <see cref="KernelReadException"/> when it is not in the dump.</summary>
    public KernelTask Read(ulong task, bool isIdle = false)
    {
        var size = (int)Math.Max(Math.Max(Layout.Comm + Layout.CommLength, Layout.RealParent + 8),
            Math.Max(Math.Max(Layout.State + 8, Layout.ExitState + 4), Math.Max(Layout.Cpu + 4, Math.Max(Layout.Pid, Layout.Tgid) + 4)));
        size = Math.Max(size, (int)Layout.Flags + 4);
        var bytes = Memory.ReadBytes(task, size, $"task_struct at 0x{task:x}");
        var span = bytes.AsSpan();
        var pid = BinaryPrimitives.ReadInt32LittleEndian(span[(int)Layout.Pid..]);
        var tgid = BinaryPrimitives.ReadInt32LittleEndian(span[(int)Layout.Tgid..]);
        var state = Layout.StateSize == 8
            ? (uint)BinaryPrimitives.ReadUInt64LittleEndian(span[(int)Layout.State..])
            : BinaryPrimitives.ReadUInt32LittleEndian(span[(int)Layout.State..]);
        var exitState = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)Layout.ExitState..]);
        var cpu = BinaryPrimitives.ReadInt32LittleEndian(span[(int)Layout.Cpu..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(span[(int)Layout.Flags..]);
        var commBytes = span.Slice((int)Layout.Comm, Layout.CommLength);
        var end = commBytes.IndexOf((byte)0);
        var comm = Encoding.UTF8.GetString(end < 0 ? commBytes : commBytes[..end]);
        var parent = BinaryPrimitives.ReadUInt64LittleEndian(span[(int)Layout.RealParent..]);
        var ppid = 0;
        if (parent != task && parent != 0)
        {
            ppid = Memory.TryRead(parent + (ulong)Layout.Tgid, span[..4], out _) ? BinaryPrimitives.ReadInt32LittleEndian(span) : -1;
        }

        return new KernelTask(task, pid, tgid, ppid, cpu, TaskState.Letter(state, exitState), comm, flags, isIdle);
    }

    /// <summary>The number of possible CPUs (nr_cpu_ids), bounded; 1 when the variable is unreadable.</summary>
    public int CpuCount()
    {
        if (_kernel.Symbols is { } symbols && symbols.TryGetAddress("nr_cpu_ids", out var address)
            && Memory.TryRead(address, stackalloc byte[4], out _))
        {
            var count = Memory.ReadUInt32(address);
            return (int)Math.Clamp(count, 1u, InputLimits.Kernel.Cpus);
        }

        return 1;
    }

    /// <summary>The per-CPU base of <paramref name="cpu"/> (__per_cpu_offset[cpu]), or null.</summary>
    public ulong? PerCpuOffset(int cpu)
    {
        if (_kernel.Symbols is not { } symbols || !symbols.TryGetAddress("__per_cpu_offset", out var table))
        {
            return null;
        }

        return Memory.TryReadUInt64(table + ((ulong)cpu * 8), out var offset, out _) ? offset : null;
    }

    /// <summary>The address of a per-CPU variable on a CPU (symbol value + that CPU's offset).</summary>
    public ulong? PerCpuAddress(string symbol, int cpu) =>
        _kernel.Symbols is { } symbols && symbols.TryGetAddress(symbol, out var address) && PerCpuOffset(cpu) is { } offset
            ? unchecked(address + offset)
            : null;

    /// <summary>CPU <paramref name="cpu"/>'s idle task (runqueues.idle), or null when unreadable.</summary>
    public ulong? IdleTask(int cpu) => RunqueueField(cpu, Layout.RqIdle) ?? (cpu == 0 ? InitTask : null);

    /// <summary>The task that was current on <paramref name="cpu"/> (runqueues.curr), or null.</summary>
    public ulong? CurrentTask(int cpu) => RunqueueField(cpu, Layout.RqCurr);

    private ulong? RunqueueField(int cpu, long? offset)
    {
        if (offset is not { } field || PerCpuAddress("runqueues", cpu) is not { } rq)
        {
            return null;
        }

        return Memory.TryReadUInt64(rq + (ulong)field, out var value, out _) && value != 0 ? value : null;
    }

    /// <summary>The threads of a group leader (including itself), by whichever thread list the kernel has.</summary>
    private IEnumerable<ulong> Threads(ulong leader)
    {
        if (Layout.Signal is { } signalOffset && Layout.SignalThreadHead is { } headOffset && Layout.ThreadNode is { } node)
        {
            if (!Memory.TryReadUInt64(leader + (ulong)signalOffset, out var signal, out var failure) || signal == 0)
            {
                _problems.Add($"task 0x{leader:x}: cannot read signal ({failure})");
                return [leader];
            }

            var threads = WalkList(signal + (ulong)headOffset, node, $"signal_struct 0x{signal:x}.thread_head").ToList();
            return threads.Count == 0 ? [leader] : threads;
        }

        if (Layout.ThreadGroup is { } group)
        {
            // Before 6.7 every thread is on the leader's thread_group ring; the leader is not its head.
            return [leader, .. WalkList(leader + (ulong)group, group, $"task 0x{leader:x}.thread_group")];
        }

        return [leader];
    }

    /// <summary>Entries of a circular list_head list with the head at <paramref name="head"/>.</summary>
    private IEnumerable<ulong> WalkList(ulong head, long memberOffset, string what)
    {
        var seen = new HashSet<ulong>();
        var link = head;
        for (var count = 0; count <= InputLimits.Kernel.Tasks; count++)
        {
            if (!Memory.TryReadUInt64(link, out var next, out var failure))
            {
                _problems.Add($"{what}: list broken at 0x{link:x}: {failure}");
                yield break;
            }

            if (next == head)
            {
                yield break;
            }

            if (next == 0 || !seen.Add(next))
            {
                _problems.Add($"{what}: list loops or ends in NULL at 0x{link:x}");
                yield break;
            }

            yield return unchecked(next - (ulong)memberOffset);
            link = next;
        }

        _problems.Add($"{what}: more than {InputLimits.Kernel.Tasks} entries, stopped");
    }

    private KernelTask? TryRead(ulong task, bool isIdle)
    {
        try
        {
            return Read(task, isIdle);
        }
        catch (KernelReadException e)
        {
            _problems.Add(e.Message);
            return null;
        }
    }
}
