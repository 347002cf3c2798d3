using Nkdump.Formats;
using Nkdump.Kernel.Btf;

namespace Nkdump.Kernel.Tasks;

/// <summary>
/// Where the fields the task walker needs sit in struct task_struct and friends, taken from the
/// kernel's BTF, so one walker serves every kernel version BTF describes.
/// </summary>
public sealed class TaskLayout
{
    public required long Tasks { get; init; }
    public required long Pid { get; init; }
    public required long Tgid { get; init; }
    public required long Comm { get; init; }
    public required int CommLength { get; init; }
    public required long RealParent { get; init; }

    /// <summary>task_struct.__state (5.14+, commit 2f064a59a11f) or .state before it.</summary>
    public required long State { get; init; }
    public required int StateSize { get; init; }
    public required long ExitState { get; init; }

    /// <summary>task_struct.thread_info.cpu (5.16+ with THREAD_INFO_IN_TASK) or task_struct.cpu.</summary>
    public required long Cpu { get; init; }
    public required long Flags { get; init; }
    public required long Stack { get; init; }
    public long? OnCpu { get; init; }
    public long? Mm { get; init; }

    /// <summary>task_struct.thread.sp: the saved stack pointer of a task that is not running.</summary>
    public required long ThreadSp { get; init; }

    /// <summary>Thread lists: signal->thread_head with thread_node (3.14+), or the older thread_group list.</summary>
    public long? Signal { get; init; }
    public long? SignalThreadHead { get; init; }
    public long? ThreadNode { get; init; }
    public long? ThreadGroup { get; init; }

    /// <summary>rq.idle and rq.curr in struct rq (for the per-CPU idle and current tasks).</summary>
    public long? RqIdle { get; init; }
    public long? RqCurr { get; init; }

    public static TaskLayout From(BtfTypes btf)
    {
        var task = btf.Find("task_struct", BtfKind.Struct)
            ?? throw new NkdumpException($"{btf.Source}: no struct task_struct");
        long Need(string path) => btf.FindPath(task.Id, path.Split('.'))?.ByteOffset
            ?? throw new NkdumpException($"{btf.Source}: struct task_struct has no {path}");
        long? Maybe(int type, string path) => btf.FindPath(type, path.Split('.'))?.ByteOffset;

        var state = btf.FindMember(task.Id, "__state") ?? btf.FindMember(task.Id, "state")
            ?? throw new NkdumpException($"{btf.Source}: struct task_struct has neither __state nor state");
        var comm = btf.FindMember(task.Id, "comm") ?? throw new NkdumpException($"{btf.Source}: struct task_struct has no comm");
        var signal = btf.Find("signal_struct", BtfKind.Struct);
        var rq = btf.Find("rq", BtfKind.Struct);
        return new TaskLayout
        {
            Tasks = Need("tasks"),
            Pid = Need("pid"),
            Tgid = Need("tgid"),
            Comm = comm.ByteOffset,
            CommLength = (int)Math.Clamp(btf.SizeOf(comm.Type), 1, 64),
            RealParent = Need("real_parent"),
            State = state.ByteOffset,
            StateSize = (int)btf.SizeOf(state.Type),
            ExitState = Need("exit_state"),
            Cpu = Maybe(task.Id, "thread_info.cpu") ?? Need("cpu"),
            Flags = Need("flags"),
            Stack = Need("stack"),
            OnCpu = Maybe(task.Id, "on_cpu"),
            Mm = Maybe(task.Id, "mm"),
            ThreadSp = Need("thread.sp"),
            Signal = Maybe(task.Id, "signal"),
            SignalThreadHead = signal is null ? null : Maybe(signal.Id, "thread_head"),
            ThreadNode = Maybe(task.Id, "thread_node"),
            ThreadGroup = Maybe(task.Id, "thread_group"),
            RqIdle = rq is null ? null : Maybe(rq.Id, "idle"),
            RqCurr = rq is null ? null : Maybe(rq.Id, "curr"),
        };
    }
}
