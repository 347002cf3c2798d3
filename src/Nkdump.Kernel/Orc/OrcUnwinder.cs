using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Orc;

/// <summary>
/// Unwinds x86_64 kernel stacks with ORC, the way arch/x86/kernel/unwind_orc.c does
/// (unwind_next_frame): find the entry for the instruction, compute the caller's stack pointer
/// (the CFA) from sp_reg/sp_offset, then the caller's ip from the frame type (a return address
/// below the CFA, or a struct pt_regs / iret frame at it), then bp from bp_reg/bp_offset. Where
/// no ORC entry covers an address, saved frame pointers are followed instead (marked as such).
/// Every read is checked; a stack that cannot be read ends the trace with the reason.
/// </summary>
public sealed class OrcUnwinder(KernelContext kernel, IReadOnlyList<OrcTable> tables)
{
    /// <summary>Longest trace we produce (kernel stacks are 16 KiB; real traces are far shorter).</summary>
    public const int MaxFrames = 256;

    // struct pt_regs (arch/x86/include/asm/ptrace.h, x86_64; the entry code's ABI):
    // r15 0, r14 8, r13 16, r12 24, bp 32, bx 40, r11 48, r10 56, r9 64, r8 72, ax 80, cx 88, dx 96,
    // si 104, di 112, orig_ax 120, ip 128, cs 136, flags 144, sp 152, ss 160.
    private const ulong PtRegsR13 = 16, PtRegsBp = 32, PtRegsR10 = 56, PtRegsDx = 96, PtRegsDi = 112;
    private const ulong PtRegsIp = 128, PtRegsCs = 136, PtRegsSp = 152;

    /// <summary>IRET_FRAME_OFFSET: the iret frame is the tail of pt_regs, starting at ip.</summary>
    private const ulong IretFrameOffset = PtRegsIp;

    private KernelMemory Memory => kernel.Memory;

    public Backtrace Unwind(UnwindStart start)
    {
        var frames = new List<StackFrame>();
        var ip = start.Ip;
        var sp = start.Sp;
        var bp = start.Bp;
        var exact = start.IpIsExact;
        ulong? regs = null;     // pt_regs of the current frame, when it came from one
        var fullRegs = false;
        var initial = start.Registers;
        var source = FrameSource.Registers;

        while (true)
        {
            frames.Add(MakeFrame(frames.Count, ip, sp, exact, source, regs));
            if (frames.Count >= MaxFrames)
            {
                return new Backtrace(frames, false, $"stopped after {MaxFrames} frames");
            }

            if (!IsKernelAddress(ip))
            {
                return new Backtrace(frames, false, $"instruction pointer 0x{ip:x} is not a kernel address");
            }

            var lookup = exact ? ip : ip - 1;
            if (!TryFind(lookup, out var entry))
            {
                // No ORC data (a module without tables, BPF or ftrace trampolines): try frame pointers.
                if (bp > sp && Memory.TryReadUInt64(bp, out var nextBp, out _) && Memory.TryReadUInt64(bp + 8, out var ret, out _) && IsKernelAddress(ret))
                {
                    (ip, sp, bp, exact, regs, fullRegs, initial, source) = (ret, bp + 16, nextBp, false, null, false, null, FrameSource.FramePointer);
                    continue;
                }

                return new Backtrace(frames, false, $"no ORC entry for 0x{lookup:x} and no usable frame pointer");
            }

            switch (entry.Type)
            {
                case OrcFrameType.Undefined:
                    if (ScanForCaller(ip, exact, sp) is { } found)
                    {
                        (ip, sp, exact, regs, fullRegs, initial, source) = (found.ReturnAddress, found.CallerSp, false, null, false, null, FrameSource.StackScan);
                        continue;
                    }

                    return new Backtrace(frames, false, $"ORC has no unwind data for 0x{lookup:x}");
                case OrcFrameType.EndOfStack:
                    return new Backtrace(frames, true, "end of the kernel stack");
            }

            ulong? Register(OrcRegister reg, ulong ptRegsOffset, string name)
            {
                if (initial is not null && initial.TryGetValue(name, out var value))
                {
                    return value;
                }

                return regs is { } r && fullRegs && Memory.TryReadUInt64(r + ptRegsOffset, out var saved, out _) ? saved : null;
            }

            // The CFA: the caller's stack pointer.
            ulong? cfa = entry.SpReg switch
            {
                OrcRegister.Sp => Add(sp, entry.SpOffset),
                OrcRegister.Bp => Add(bp, entry.SpOffset),
                OrcRegister.SpIndirect => Memory.TryReadUInt64(sp, out var v, out _) ? Add(v, entry.SpOffset) : null,
                OrcRegister.BpIndirect => Memory.TryReadUInt64(Add(bp, entry.SpOffset), out var v, out _) ? v : null,
                OrcRegister.R10 => Register(entry.SpReg, PtRegsR10, "r10") is { } r10 ? Add(r10, entry.SpOffset) : null,
                OrcRegister.R13 => Register(entry.SpReg, PtRegsR13, "r13") is { } r13 ? Add(r13, entry.SpOffset) : null,
                OrcRegister.Di => Register(entry.SpReg, PtRegsDi, "rdi") is { } di ? Add(di, entry.SpOffset) : null,
                OrcRegister.Dx => Register(entry.SpReg, PtRegsDx, "rdx") is { } dx ? Add(dx, entry.SpOffset) : null,
                _ => null,
            };
            if (cfa is not { } prevSp)
            {
                return new Backtrace(frames, false, $"cannot compute the caller's stack pointer at 0x{lookup:x} (sp_reg {entry.SpReg})");
            }

            ulong newIp, newSp;
            ulong? newRegs;
            bool newFull, newExact;
            switch (entry.Type)
            {
                case OrcFrameType.Call:
                    if (!Memory.TryReadUInt64(prevSp - 8, out newIp, out var failure))
                    {
                        return new Backtrace(frames, false, $"cannot read the return address: {failure}");
                    }

                    (newSp, newRegs, newFull, newExact) = (prevSp, null, false, entry.Signal);
                    break;
                case OrcFrameType.Regs:
                    if (!Memory.TryReadUInt64(prevSp + PtRegsIp, out newIp, out failure) || !Memory.TryReadUInt64(prevSp + PtRegsSp, out newSp, out failure))
                    {
                        return new Backtrace(frames, false, $"cannot read pt_regs at 0x{prevSp:x}: {failure}");
                    }

                    (newRegs, newFull, newExact) = (prevSp, true, true);
                    break;
                default: // RegsPartial: only the iret frame (ip, cs, flags, sp, ss) is at the CFA.
                    if (!Memory.TryReadUInt64(prevSp, out newIp, out failure) || !Memory.TryReadUInt64(prevSp + (PtRegsSp - PtRegsIp), out newSp, out failure))
                    {
                        return new Backtrace(frames, false, $"cannot read the iret frame at 0x{prevSp:x}: {failure}");
                    }

                    (newRegs, newFull, newExact) = (prevSp - IretFrameOffset, false, true);
                    break;
            }

            // The caller's bp.
            var newBp = bp;
            switch (entry.BpReg)
            {
                case OrcRegister.Undefined:
                    if (newRegs is { } r && newFull && Memory.TryReadUInt64(r + PtRegsBp, out var savedBp, out _))
                    {
                        newBp = savedBp;
                    }

                    break;
                case OrcRegister.PrevSp:
                    if (!Memory.TryReadUInt64(Add(prevSp, entry.BpOffset), out newBp, out var bpFailure))
                    {
                        return new Backtrace(frames, false, $"cannot read the saved frame pointer: {bpFailure}");
                    }

                    break;
                case OrcRegister.Bp:
                    if (!Memory.TryReadUInt64(Add(bp, entry.BpOffset), out newBp, out bpFailure))
                    {
                        return new Backtrace(frames, false, $"cannot read the saved frame pointer: {bpFailure}");
                    }

                    break;
                default:
                    return new Backtrace(frames, false, $"unknown ORC bp_reg {entry.BpReg} at 0x{lookup:x}");
            }

            // A frame must move up its stack; only an exception frame may switch stacks.
            if (newRegs is null && newSp <= sp)
            {
                return new Backtrace(frames, false, $"stack pointer did not advance (0x{sp:x} → 0x{newSp:x})");
            }

            // pt_regs saved from user mode (cs & 3 == 3): the kernel stack ends here.
            if (newRegs is { } userRegs && Memory.TryReadUInt64(userRegs + PtRegsCs, out var cs, out _) && (cs & 3) == 3)
            {
                frames.Add(new StackFrame(frames.Count, newIp, newSp, null, 0, FrameSource.UserSpace, userRegs));
                return new Backtrace(frames, true, "entered from user space");
            }

            (ip, sp, bp, exact, regs, fullRegs, initial, source) = (newIp, newSp, newBp, newExact, newRegs, newFull, null, FrameSource.Orc);
        }
    }

    /// <summary>Words scanned above sp when a function has no ORC data.</summary>
    private const int MaxScanWords = 512;

    /// <summary>
    /// For a function without ORC data: the nearest stack slot above <paramref name="sp"/> holding a
    /// return address whose preceding instruction is a direct call (E8 rel32) to the function that
    /// contains <paramref name="ip"/>. The caller's frame continues just above that slot.
    /// </summary>
    private (ulong ReturnAddress, ulong CallerSp)? ScanForCaller(ulong ip, bool exact, ulong sp)
    {
        if (kernel.Symbols is not { } symbols || !symbols.TryResolve(exact ? ip : ip - 1, out var function))
        {
            return null;
        }

        Span<byte> words = stackalloc byte[MaxScanWords * 8];
        var readable = Memory.TryReadPrefix(sp, words, out _) / 8;
        Span<byte> call = stackalloc byte[5];
        for (var i = 0; i < readable; i++)
        {
            var candidate = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(words[(i * 8)..]);
            if (!IsKernelAddress(candidate) || !Memory.TryRead(candidate - 5, call, out _) || call[0] != 0xe8)
            {
                continue;
            }

            var target = unchecked(candidate + (ulong)(long)System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(call[1..]));
            if (target == function.Symbol.Address && TryFind(candidate - 1, out var callerEntry) && callerEntry.Type != OrcFrameType.Undefined)
            {
                return (candidate, sp + ((ulong)i * 8) + 8);
            }
        }

        return null;
    }

    private StackFrame MakeFrame(int index, ulong ip, ulong sp, bool exact, FrameSource source, ulong? regs)
    {
        // A return address may be the first byte after a noreturn call: name the call site (ip - 1).
        var site = exact ? ip : ip - 1;
        if (kernel.Symbols is { } symbols && symbols.TryResolve(site, out var location))
        {
            return new StackFrame(index, ip, sp, location.Symbol.Name, ip - location.Symbol.Address, source, regs);
        }

        return new StackFrame(index, ip, sp, null, 0, source, regs);
    }

    private bool TryFind(ulong ip, out OrcEntry entry)
    {
        foreach (var table in tables)
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
