using Nkdump.Formats.Notes;
using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Orc;

/// <summary>
/// struct pt_regs on x86_64 (arch/x86/include/asm/ptrace.h; the entry code's ABI): r15, r14, r13,
/// r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss — the first 21
/// registers of struct user_regs_struct in the same order (ELF_CORE_COPY_REGS in
/// arch/x86/include/asm/elf.h copies one into the other field by field). Its tail from ip on is the
/// hardware's iret frame. The one place that knows where a register sits in pt_regs.
/// </summary>
public static class PtRegs
{
    /// <summary>How many registers pt_regs holds (r15 .. ss).</summary>
    public const int RegisterCount = (int)X86_64Register.Ss + 1;

    /// <summary>sizeof(struct pt_regs): 168 bytes.</summary>
    public const int Size = RegisterCount * 8;

    /// <summary>IRET_FRAME_OFFSET: where the iret frame (ip, cs, flags, sp, ss) starts in pt_regs.</summary>
    public const int IretFrameOffset = (int)X86_64Register.Rip * 8;

    /// <summary>The iret frame's size: ip, cs, flags, sp, ss.</summary>
    public const int IretFrameSize = RegisterCount * 8 - IretFrameOffset;

    /// <summary>Byte offset of <paramref name="register"/> in struct pt_regs (r15 .. ss only).</summary>
    public static ulong OffsetOf(X86_64Register register) =>
        register <= X86_64Register.Ss ? (ulong)register * 8 : throw new ArgumentOutOfRangeException(nameof(register), register, "not in struct pt_regs");

    /// <summary>The whole pt_regs at <paramref name="address"/>, or null (with the failure) when it cannot be read.</summary>
    public static X86_64Registers? TryRead(KernelMemory memory, ulong address, out KernelReadFailure failure)
    {
        Span<byte> bytes = stackalloc byte[Size];
        return memory.TryRead(address, bytes, out failure) ? X86_64Registers.ParsePrefix(bytes, RegisterCount) : null;
    }

    /// <summary>
    /// Only the iret frame at <paramref name="iretFrame"/> (a partial pt_regs: the entry code saved
    /// nothing else yet): ip, cs, flags, sp and ss are known.
    /// </summary>
    public static X86_64Registers? TryReadIretFrame(KernelMemory memory, ulong iretFrame, out KernelReadFailure failure)
    {
        Span<byte> bytes = stackalloc byte[IretFrameSize];
        if (!memory.TryRead(iretFrame, bytes, out failure))
        {
            return null;
        }

        return X86_64Registers.Of(
            (X86_64Register.Rip, Word(bytes, 0)), (X86_64Register.Cs, Word(bytes, 1)), (X86_64Register.Eflags, Word(bytes, 2)),
            (X86_64Register.Rsp, Word(bytes, 3)), (X86_64Register.Ss, Word(bytes, 4)));
    }

    private static ulong Word(ReadOnlySpan<byte> bytes, int index) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[(index * 8)..]);
}
