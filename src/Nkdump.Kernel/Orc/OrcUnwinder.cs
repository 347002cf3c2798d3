using Nkdump.Formats.Limits;
using Nkdump.Formats.Notes;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel.Orc;

/// <summary>
/// Unwinds x86_64 kernel stacks with ORC, the way arch/x86/kernel/unwind_orc.c does
/// (unwind_next_frame): find the entry for the instruction, compute the caller's stack pointer
/// (the CFA) from sp_reg/sp_offset, then the caller's ip from the frame type (a return address
/// below the CFA, or a struct pt_regs / iret frame at it), then bp from bp_reg/bp_offset. A
/// pt_regs frame is how the trace crosses from an interrupt or exception stack to the stack it
/// interrupted (the entry code's pt_regs on the task stack, and the saved stack pointer at the top
/// of the IRQ stack that call_on_irqstack() leaves, an SP_INDIRECT entry). Where no ORC entry
/// covers an address, saved frame pointers are followed; where ORC cannot go on (no data, a
/// register it needs is not known, an unreadable slot) the stack is scanned for the return address
/// (OrcUnwinder.Recovery.cs). Each such frame says how it was found, and a recovery leaves a note.
/// Every read is checked; a stack that cannot be read ends the trace with the reason.
/// </summary>
public sealed partial class OrcUnwinder
{
    private readonly KernelContext _kernel;
    private readonly IReadOnlyList<OrcTable> _tables;
    private readonly CodeSymbolizer _symbols;

    /// <summary>
    /// An unwinder over <paramref name="tables"/> (the kernel's and the modules'); frames are named by
    /// <paramref name="symbols"/> (module code by module symbols), by the kernel's symbols when null.
    /// </summary>
    public OrcUnwinder(KernelContext kernel, IReadOnlyList<OrcTable> tables, CodeSymbolizer? symbols = null)
    {
        _kernel = kernel;
        _tables = tables;
        _symbols = symbols ?? new CodeSymbolizer(kernel.Symbols, null);
    }

    private KernelMemory Memory => _kernel.Memory;

    /// <summary>The state at one frame: where it is, what is known of its registers, and how it was found.</summary>
    private readonly record struct State(ulong Ip, ulong Sp, ulong Bp, bool Exact, ulong? PtRegs, FrameSource Source, X86_64Registers Registers);

    /// <summary>What one step of the unwind gave: the caller's state, or the end of the trace (complete or not).</summary>
    private readonly record struct Step(State? Next, bool Complete, string Reason, StackFrame? UserFrame = null);

    /// <summary>
    /// Unwinds from <paramref name="start"/>. <paramref name="stacks"/> are the stacks the trace may
    /// cross (task, IRQ, exception stacks): a frame must move up its stack, but may move to another
    /// one, as get_stack_info() lets the kernel's unwinder do.
    /// </summary>
    public Backtrace Unwind(UnwindStart start, IReadOnlyList<Stacks.StackArea>? stacks = null)
    {
        var frames = new List<StackFrame>();
        var state = new State(start.Ip, start.Sp, start.Bp, start.IpIsExact, null, FrameSource.Registers, start.Registers);
        string? note = null;
        while (true)
        {
            frames.Add(MakeFrame(frames.Count, state, note));
            note = null;
            if (frames.Count >= InputLimits.Kernel.UnwoundFrames)
            {
                return new Backtrace(frames, false, $"stopped after {InputLimits.Kernel.UnwoundFrames} frames");
            }

            if (!IsKernelAddress(state.Ip))
            {
                return new Backtrace(frames, false, $"instruction pointer 0x{state.Ip:x} is not a kernel address");
            }

            var step = Next(state, stacks ?? []);
            if (step.UserFrame is { } user)
            {
                frames.Add(user with { Index = frames.Count });
                return new Backtrace(frames, step.Complete, step.Reason);
            }

            if (step.Next is { } next)
            {
                state = next;
                continue;
            }

            if (step.Complete)
            {
                return new Backtrace(frames, true, step.Reason);
            }

            // ORC cannot go on from here: look for the caller's return address on the stack.
            if (Recover(state) is { } recovered)
            {
                note = $"{step.Reason}: the caller was found by scanning the stack above 0x{state.Sp:x}";
                state = recovered;
                continue;
            }

            return new Backtrace(frames, false, step.Reason);
        }
    }

    /// <summary>One unwind_next_frame(): the caller of <paramref name="s"/>, or why there is none.</summary>
    private Step Next(State s, IReadOnlyList<Stacks.StackArea> stacks)
    {
        var lookup = s.Exact ? s.Ip : s.Ip - 1;
        if (!TryFind(lookup, out var entry))
        {
            // No ORC data (a module without tables, BPF or ftrace trampolines): try frame pointers.
            if (s.Bp > s.Sp && Memory.TryReadUInt64(s.Bp, out var nextBp, out _) && Memory.TryReadUInt64(s.Bp + 8, out var ret, out _) && IsKernelAddress(ret))
            {
                return new Step(new State(ret, s.Bp + 16, nextBp, false, null, FrameSource.FramePointer, CallerRegisters(ret, s.Bp + 16, nextBp)), false, "");
            }

            return new Step(null, false, $"no ORC entry for 0x{lookup:x} and no usable frame pointer");
        }

        switch (entry.Type)
        {
            case OrcFrameType.Undefined:
                // objtool leaves STACK_FRAME_NON_STANDARD functions (__crash_kexec's crash_setup_regs() asm) without data.
                if (ScanForCaller(s.Ip, s.Exact, s.Sp) is { } found)
                {
                    return new Step(new State(found.ReturnAddress, found.CallerSp, s.Bp, false, null, FrameSource.StackScan, CallerRegisters(found.ReturnAddress, found.CallerSp, s.Bp)), false, "");
                }

                return new Step(null, false, $"ORC has no unwind data for 0x{lookup:x}");
            case OrcFrameType.EndOfStack:
                return new Step(null, true, "end of the kernel stack");
        }

        // The CFA: the caller's stack pointer. A register other than sp and bp is only known when
        // this frame's registers were all saved (NT_PRSTATUS, or a full pt_regs).
        if (Cfa(s, entry) is not { } prevSp)
        {
            return new Step(null, false, $"cannot compute the caller's stack pointer at 0x{lookup:x} (sp_reg {entry.SpReg})");
        }

        ulong newIp, newSp;
        ulong? newPtRegs;
        X86_64Registers? saved;   // the pt_regs (or iret frame) the caller's registers come from
        bool newExact;
        KernelReadFailure failure;
        switch (entry.Type)
        {
            case OrcFrameType.Call:
                if (!Memory.TryReadUInt64(prevSp - 8, out newIp, out failure))
                {
                    return new Step(null, false, $"cannot read the return address at 0x{prevSp - 8:x}: {failure}");
                }

                (newSp, newPtRegs, saved, newExact) = (prevSp, null, null, entry.Signal);
                break;
            case OrcFrameType.Regs:
                saved = PtRegs.TryRead(Memory, prevSp, out failure);
                if (saved is null)
                {
                    return new Step(null, false, $"cannot read pt_regs at 0x{prevSp:x}: {failure}");
                }

                (newIp, newSp, newPtRegs, newExact) = (saved.Rip, saved.Rsp, prevSp, true);
                break;
            case OrcFrameType.RegsPartial:
                // Only the iret frame (ip, cs, flags, sp, ss) is at the CFA.
                saved = PtRegs.TryReadIretFrame(Memory, prevSp, out failure);
                if (saved is null)
                {
                    return new Step(null, false, $"cannot read the iret frame at 0x{prevSp:x}: {failure}");
                }

                (newIp, newSp, newPtRegs, newExact) = (saved.Rip, saved.Rsp, prevSp - PtRegs.IretFrameOffset, true);
                break;
            default:
                return new Step(null, false, $"unknown ORC entry type at 0x{lookup:x}");
        }

        if (CallerBp(s, entry, prevSp, saved) is not { } newBp)
        {
            return new Step(null, false, entry.BpReg is OrcRegister.PrevSp or OrcRegister.Bp
                ? $"cannot read the saved frame pointer at 0x{lookup:x} (bp_reg {entry.BpReg})"
                : $"unknown ORC bp_reg {entry.BpReg} at 0x{lookup:x}");
        }

        // A frame must move up its stack. Only an exception frame, the IRQ stack switch's saved
        // stack pointer (SP_INDIRECT) or a step onto another known stack may go down.
        if (newPtRegs is null && newSp <= s.Sp && entry.SpReg != OrcRegister.SpIndirect && !OtherStack(stacks, s.Sp, newSp))
        {
            return new Step(null, false, $"stack pointer did not advance (0x{s.Sp:x} → 0x{newSp:x})");
        }

        // pt_regs saved from user mode (cs & 3 == 3): the kernel stack ends here.
        if (newPtRegs is { } userRegs && saved?.Get(X86_64Register.Cs) is { } cs && (cs & 3) == 3)
        {
            return new Step(null, true, "entered from user space", new StackFrame(0, newIp, newSp, null, 0, FrameSource.UserSpace, userRegs, saved));
        }

        return new Step(new State(newIp, newSp, newBp, newExact, newPtRegs, FrameSource.Orc, saved ?? CallerRegisters(newIp, newSp, newBp)), false, "");
    }

    /// <summary>The caller's stack pointer by sp_reg/sp_offset, or null when a register it needs is not known or a slot not readable.</summary>
    private ulong? Cfa(State s, OrcEntry entry)
    {
        ulong? Register(X86_64Register register) => s.Registers.Get(register) is { } value ? Add(value, entry.SpOffset) : null;
        return entry.SpReg switch
        {
            OrcRegister.Sp => Add(s.Sp, entry.SpOffset),
            OrcRegister.Bp => Add(s.Bp, entry.SpOffset),

            // 5.12+ (commit 87ccc826bf1c): the word at sp is the old stack pointer, plus sp_offset (the
            // IRQ stack switch). Before, the word at sp + sp_offset; Debian's 5.10 has no such entries.
            OrcRegister.SpIndirect => Memory.TryReadUInt64(s.Sp, out var old, out _) ? Add(old, entry.SpOffset) : null,
            OrcRegister.BpIndirect => Memory.TryReadUInt64(Add(s.Bp, entry.SpOffset), out var v, out _) ? v : null,
            OrcRegister.R10 => Register(X86_64Register.R10),
            OrcRegister.R13 => Register(X86_64Register.R13),
            OrcRegister.Di => Register(X86_64Register.Rdi),
            OrcRegister.Dx => Register(X86_64Register.Rdx),
            OrcRegister.Ax => Register(X86_64Register.Rax),
            _ => null,
        };
    }

    /// <summary>The caller's bp by bp_reg/bp_offset, or null when it cannot be read or bp_reg is not one ORC uses for bp.</summary>
    private ulong? CallerBp(State s, OrcEntry entry, ulong prevSp, X86_64Registers? saved)
    {
        switch (entry.BpReg)
        {
            case OrcRegister.Undefined:
                return saved?.Get(X86_64Register.Rbp) ?? s.Bp;
            case OrcRegister.PrevSp:
                return Memory.TryReadUInt64(Add(prevSp, entry.BpOffset), out var fromPrevSp, out _) ? fromPrevSp : null;
            case OrcRegister.Bp:
                return Memory.TryReadUInt64(Add(s.Bp, entry.BpOffset), out var fromBp, out _) ? fromBp : null;
            default:
                return null;
        }
    }

    private static bool OtherStack(IReadOnlyList<Stacks.StackArea> stacks, ulong from, ulong to)
    {
        var area = stacks.FirstOrDefault(a => a.Contains(from));
        return area is not null && !area.Contains(to) && stacks.Any(a => a.Contains(to));
    }

    /// <summary>What is known of a caller's registers after a plain return: only ip, sp and bp.</summary>
    private static X86_64Registers CallerRegisters(ulong ip, ulong sp, ulong bp) =>
        X86_64Registers.Of((X86_64Register.Rip, ip), (X86_64Register.Rsp, sp), (X86_64Register.Rbp, bp));

    private StackFrame MakeFrame(int index, State s, string? note)
    {
        // A return address may be the first byte after a noreturn call: name the call site (ip - 1),
        // with the offset of the return address, as the kernel's %pB does.
        var site = s.Exact ? s.Ip : s.Ip - 1;
        if (_symbols.Describe(site) is { } location)
        {
            return new StackFrame(index, s.Ip, s.Sp, location.Function, s.Ip - location.FunctionAddress, s.Source, s.PtRegs, s.Registers, location.Size, location.Module)
            {
                Note = note,
            };
        }

        return new StackFrame(index, s.Ip, s.Sp, null, 0, s.Source, s.PtRegs, s.Registers, 0, _symbols.ModuleOf(site)) { Note = note };
    }

    private bool TryFind(ulong ip, out OrcEntry entry)
    {
        foreach (var table in _tables)
        {
            if (ip >= table.FirstIp && ip <= table.LastIp + 0x10000 && table.TryFind(ip, out entry))
            {
                return true;
            }
        }

        entry = default;
        return false;
    }

    private static ulong Add(ulong value, short offset) => unchecked(value + (ulong)(long)offset);

    private static bool IsKernelAddress(ulong address) => address >= 0xffff800000000000UL;
}
