using Nkdump.Formats.Notes;
using Nkdump.Kernel.Btf;

namespace Nkdump.Kernel.Orc;

/// <summary>
/// Where an unwind starts: the registers of a CPU (NT_PRSTATUS, all general registers known, the ip
/// exact), or a sleeping task's frame saved by __switch_to_asm (only sp, bp and a return address).
/// </summary>
public sealed record UnwindStart(X86_64Registers Registers, bool IpIsExact)
{
    public ulong Ip => Registers.Rip;

    public ulong Sp => Registers.Rsp;

    public ulong Bp => Registers.Rbp;

    public static UnwindStart FromCpu(X86_64Registers registers) => new(registers, true);

    /// <summary>
    /// A task that is not running: task->thread.sp points at struct inactive_task_frame
    /// (arch/x86/include/asm/switch_to.h, 4.9+) { r15, r14, r13, r12, bx, bp, ret_addr } on x86_64.
    /// A task that has never run returns into ret_from_fork(_asm), whose address is exact. Like the
    /// kernel's unwind_orc.c, only sp, bp and the return address are taken from the frame.
    /// </summary>
    public static UnwindStart FromSleepingTask(KernelContext kernel, BtfTypes btf, ulong task, long threadSpOffset)
    {
        var memory = kernel.Memory;
        var sp = memory.ReadPointer(task + (ulong)threadSpOffset, $"thread.sp of task 0x{task:x}");
        var frame = btf.Find("inactive_task_frame", BtfKind.Struct);
        var bpOffset = frame is null ? 40 : btf.FindMember(frame.Id, "bp")?.ByteOffset ?? 40;
        var retOffset = frame is null ? 48 : btf.FindMember(frame.Id, "ret_addr")?.ByteOffset ?? 48;
        var size = frame is null ? 56 : btf.SizeOf(frame.Id);
        var bp = memory.ReadPointer(sp + (ulong)bpOffset, $"saved frame of task 0x{task:x}");
        var ip = memory.ReadPointer(sp + (ulong)retOffset, $"saved frame of task 0x{task:x}");
        var exact = kernel.Symbols is { } symbols
            && ((symbols.TryGetAddress("ret_from_fork_asm", out var asm) && asm == ip) || (symbols.TryGetAddress("ret_from_fork", out var fork) && fork == ip));
        var registers = X86_64Registers.Of((X86_64Register.Rip, ip), (X86_64Register.Rsp, sp + (ulong)size), (X86_64Register.Rbp, bp));
        return new UnwindStart(registers, exact);
    }
}
