namespace Nkdump.Kernel.Tasks;

/// <summary>
/// One task as the dump shows it. <see cref="State"/> is the letter ps/drgn print (R S D T t X Z P I);
/// <see cref="IsIdle"/> marks a per-CPU idle task (swapper/N, pid 0).
/// </summary>
public sealed record KernelTask(
    ulong Address,
    int Pid,
    int Tgid,
    int ParentPid,
    int Cpu,
    char State,
    string Comm,
    uint Flags,
    bool IsIdle)
{
    /// <summary>PF_KTHREAD (include/linux/sched.h): a kernel thread.</summary>
    public const uint PfKthread = 0x00200000;

    public bool IsKernelThread => (Flags & PfKthread) != 0;
}
