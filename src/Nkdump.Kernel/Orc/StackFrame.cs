using Nkdump.Formats.Notes;

namespace Nkdump.Kernel.Orc;

/// <summary>How a frame was found.</summary>
public enum FrameSource
{
    /// <summary>The starting registers (NT_PRSTATUS, or a sleeping task's saved frame).</summary>
    Registers,

    /// <summary>ORC data for the previous frame's instruction.</summary>
    Orc,

    /// <summary>Following saved frame pointers because no ORC entry covered the address (may be wrong).</summary>
    FramePointer,

    /// <summary>
    /// Found by scanning the stack: the callee had no ORC data (objtool skips STACK_FRAME_NON_STANDARD
    /// functions such as __crash_kexec, whose crash_setup_regs() asm it cannot follow) and a slot
    /// held the address after a call to it; or ORC could not unwind the callee and the nearest slot
    /// holding a return address (the address after a call instruction) was taken (see the frame's note).
    /// </summary>
    StackScan,

    /// <summary>A user-space instruction pointer saved in the kernel entry's pt_regs (the stack ends here).</summary>
    UserSpace,
}

/// <summary>
/// One frame of a kernel stack. <see cref="Ip"/> is the instruction pointer (a return address
/// except for the first frame and frames right after an exception); <see cref="Function"/> and
/// <see cref="Offset"/> name it like the kernel's "%pB" (the call site is looked up, the offset is
/// from the return address). <see cref="PtRegs"/> is set when this frame was interrupted by an
/// exception or entered from user space: the address of the struct pt_regs. <see cref="Registers"/>
/// is what is known of the registers at this frame: all of them at a CPU's first frame, the saved
/// pt_regs (or only its iret frame) after an exception, else ip, sp and bp. <see cref="Size"/> is
/// the function's size as kallsyms reckons it (0 when unknown); <see cref="Module"/> the module
/// whose memory holds <see cref="Ip"/>, null for the kernel's own code.
/// </summary>
public sealed record StackFrame(int Index, ulong Ip, ulong Sp, string? Function, ulong Offset, FrameSource Source, ulong? PtRegs, X86_64Registers Registers,
    ulong Size = 0, string? Module = null)
{
    /// <summary>What the unwinder had to do to find this frame (ORC could not unwind its callee), or null.</summary>
    public string? Note { get; init; }

    /// <summary>
    /// The frame as the kernel's trace prints it: "name+0x1f/0x40", "name+0x1f/0x40 [module]";
    /// "(unknown) [module]" or the bare address when no symbol covers it.
    /// </summary>
    public string Describe()
    {
        var name = Function is null
            ? Module is null ? $"0x{Ip:x}" : "(unknown)"
            : Size == 0 ? $"{Function}+0x{Offset:x}" : $"{Function}+0x{Offset:x}/0x{Size:x}";
        return Module is null ? name : $"{name} [{Module}]";
    }
}

/// <summary>A whole unwind: the frames and why it stopped (<see cref="Complete"/> when the stack's end was reached).</summary>
public sealed record Backtrace(IReadOnlyList<StackFrame> Frames, bool Complete, string EndReason);
