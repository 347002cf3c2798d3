using Nkdump.Formats.Notes;
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

    private KernelMemory Memory => kernel.Memory;

    public Backtrace Unwind(UnwindStart start)
    {
        var frames = new List<StackFrame>();
        var registers = start.Registers;   // what is known at the current frame
        var ip = start.Ip;
        var sp = start.Sp;
        var bp = start.Bp;
        var exact = start.IpIsExact;
        ulong? ptRegs = null;               // address of the pt_regs the current frame came from
        var source = FrameSource.Registers;

        while (true)
        {
            frames.Add(MakeFrame(frames.Count, ip, sp, exact, source, ptRegs, registers));
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
                    (ip, sp, bp, exact, ptRegs, source) = (ret, bp + 16, nextBp, false, null, FrameSource.FramePointer);
                    registers = CallerRegisters(ip, sp, bp);
                    continue;
                }

                return new Backtrace(frames, false, $"no ORC entry for 0x{lookup:x} and no usable frame pointer");
            }

            switch (entry.Type)
            {
                case OrcFrameType.Undefined:
                    if (ScanForCaller(ip, exact, sp) is { } found)
                    {
                        (ip, sp, exact, ptRegs, source) = (found.ReturnAddress, found.CallerSp, false, null, FrameSource.StackScan);
                        registers = CallerRegisters(ip, sp, bp);
                        continue;
                    }

                    return new Backtrace(frames, false, $"ORC has no unwind data for 0x{lookup:x}");
                case OrcFrameType.EndOfStack:
                    return new Backtrace(frames, true, "end of the kernel stack");
            }

            // The CFA: the caller's stack pointer. A register other than sp and bp is only known when
            // this frame's registers were all saved (NT_PRSTATUS, or a full pt_regs).
            ulong? cfa = entry.SpReg switch
            {
                OrcRegister.Sp => Add(sp, entry.SpOffset),
                OrcRegister.Bp => Add(bp, entry.SpOffset),
                OrcRegister.SpIndirect => Memory.TryReadUInt64(sp, out var v, out _) ? Add(v, entry.SpOffset) : null,
                OrcRegister.BpIndirect => Memory.TryReadUInt64(Add(bp, entry.SpOffset), out var v, out _) ? v : null,
                OrcRegister.R10 => registers.Get(X86_64Register.R10) is { } r10 ? Add(r10, entry.SpOffset) : null,
                OrcRegister.R13 => registers.Get(X86_64Register.R13) is { } r13 ? Add(r13, entry.SpOffset) : null,
                OrcRegister.Di => registers.Get(X86_64Register.Rdi) is { } di ? Add(di, entry.SpOffset) : null,
                OrcRegister.Dx => registers.Get(X86_64Register.Rdx) is { } dx ? Add(dx, entry.SpOffset) : null,
                _ => null,
            };
            if (cfa is not { } prevSp)
            {
                return new Backtrace(frames, false, $"cannot compute the caller's stack pointer at 0x{lookup:x} (sp_reg {entry.SpReg})");
            }

            ulong newIp, newSp;
            ulong? newPtRegs;
            X86_64Registers? saved;   // the pt_regs (or iret frame) the caller's registers come from
            bool newExact;
            switch (entry.Type)
            {
                case OrcFrameType.Call:
                    if (!Memory.TryReadUInt64(prevSp - 8, out newIp, out var failure))
                    {
                        return new Backtrace(frames, false, $"cannot read the return address: {failure}");
                    }

                    (newSp, newPtRegs, saved, newExact) = (prevSp, null, null, entry.Signal);
                    break;
                case OrcFrameType.Regs:
                    saved = PtRegs.TryRead(Memory, prevSp, out failure);
                    if (saved is null)
                    {
                        return new Backtrace(frames, false, $"cannot read pt_regs at 0x{prevSp:x}: {failure}");
                    }

                    (newIp, newSp, newPtRegs, newExact) = (saved.Rip, saved.Rsp, prevSp, true);
                    break;
                default: // RegsPartial: only the iret frame (ip, cs, flags, sp, ss) is at the CFA.
                    saved = PtRegs.TryReadIretFrame(Memory, prevSp, out failure);
                    if (saved is null)
                    {
                        return new Backtrace(frames, false, $"cannot read the iret frame at 0x{prevSp:x}: {failure}");
                    }

                    (newIp, newSp, newPtRegs, newExact) = (saved.Rip, saved.Rsp, prevSp - PtRegs.IretFrameOffset, true);
                    break;
            }

            // The caller's bp.
            var newBp = bp;
            switch (entry.BpReg)
            {
                case OrcRegister.Undefined:
                    if (saved?.Get(X86_64Register.Rbp) is { } savedBp)
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
            if (newPtRegs is null && newSp <= sp)
            {
                return new Backtrace(frames, false, $"stack pointer did not advance (0x{sp:x} → 0x{newSp:x})");
            }

            // pt_regs saved from user mode (cs & 3 == 3): the kernel stack ends here.
            if (newPtRegs is { } userRegs && saved?.Get(X86_64Register.Cs) is { } cs && (cs & 3) == 3)
            {
                frames.Add(new StackFrame(frames.Count, newIp, newSp, null, 0, FrameSource.UserSpace, userRegs, saved));
                return new Backtrace(frames, true, "entered from user space");
            }

            (ip, sp, bp, exact, ptRegs, source) = (newIp, newSp, newBp, newExact, newPtRegs, FrameSource.Orc);
            registers = saved ?? CallerRegisters(ip, sp, bp);
        }
    }

    /// <summary>What is known of a caller's registers after a plain return: only ip, sp and bp.</summary>
    private static X86_64Registers CallerRegisters(ulong ip, ulong sp, ulong bp) =>
        X86_64Registers.Of((X86_64Register.Rip, ip), (X86_64Register.Rsp, sp), (X86_64Register.Rbp, bp));

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

    private StackFrame MakeFrame(int index, ulong ip, ulong sp, bool exact, FrameSource source, ulong? ptRegs, X86_64Registers registers)
    {
        // A return address may be the first byte after a noreturn call: name the call site (ip - 1).
        var site = exact ? ip : ip - 1;
        if (kernel.Symbols is { } symbols && symbols.TryResolve(site, out var location))
        {
            return new StackFrame(index, ip, sp, location.Symbol.Name, ip - location.Symbol.Address, source, ptRegs, registers);
        }

        return new StackFrame(index, ip, sp, null, 0, source, ptRegs, registers);
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
