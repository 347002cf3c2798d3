using System.Buffers.Binary;

namespace Nkdump.Kernel.Orc;

/// <summary>Finding a caller on the stack when ORC cannot say where it is.</summary>
public sealed partial class OrcUnwinder
{
    /// <summary>Words scanned above sp (4 KiB: a quarter of a kernel stack).</summary>
    private const int MaxScanWords = 512;

    /// <summary>
    /// For a function without ORC data: the nearest stack slot above <paramref name="sp"/> holding a
    /// return address whose preceding instruction is a direct call (E8 rel32) to the function that
    /// contains <paramref name="ip"/>. The caller's frame continues just above that slot.
    /// </summary>
    private (ulong ReturnAddress, ulong CallerSp)? ScanForCaller(ulong ip, bool exact, ulong sp)
    {
        if (_symbols.Describe(exact ? ip : ip - 1) is not { } function)
        {
            return null;
        }

        Span<byte> words = stackalloc byte[MaxScanWords * 8];
        var readable = Memory.TryReadPrefix(sp, words, out _) / 8;
        Span<byte> call = stackalloc byte[5];
        for (var i = 0; i < readable; i++)
        {
            var candidate = BinaryPrimitives.ReadUInt64LittleEndian(words[(i * 8)..]);
            if (!IsKernelAddress(candidate) || !Memory.TryRead(candidate - 5, call, out _) || call[0] != 0xe8)
            {
                continue;
            }

            var target = unchecked(candidate + (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(call[1..]));
            if (target == function.FunctionAddress && TryFind(candidate - 1, out var callerEntry) && callerEntry.Type != OrcFrameType.Undefined)
            {
                return (candidate, sp + ((ulong)i * 8) + 8);
            }
        }

        return null;
    }

    /// <summary>
    /// When ORC cannot unwind <paramref name="s"/> (a register its entry needs is not known, a slot is
    /// not readable): the nearest slot above sp holding a return address (a code address with ORC data
    /// right after a call instruction, the way the kernel's own stack dump guesses "? " frames), taken
    /// as the caller; its frame continues just above that slot. Null when there is none.
    /// </summary>
    private State? Recover(State s)
    {
        Span<byte> words = stackalloc byte[MaxScanWords * 8];
        var readable = Memory.TryReadPrefix(s.Sp, words, out _) / 8;
        for (var i = 0; i < readable; i++)
        {
            var candidate = BinaryPrimitives.ReadUInt64LittleEndian(words[(i * 8)..]);
            if (candidate == s.Ip || !IsKernelAddress(candidate) || !FollowsCall(candidate)
                || !TryFind(candidate - 1, out var entry) || entry.Type is OrcFrameType.Undefined)
            {
                continue;
            }

            var callerSp = s.Sp + ((ulong)i * 8) + 8;
            return new State(candidate, callerSp, s.Bp, false, null, FrameSource.StackScan, CallerRegisters(candidate, callerSp, s.Bp));
        }

        return null;
    }

    /// <summary>
    /// Whether the bytes before <paramref name="address"/> are a call: E8 rel32, FF 15 disp32 (call
    /// *rip-relative), FF D0+r / 41 FF D0+r (call *%reg, as retpolines are patched into).
    /// </summary>
    private bool FollowsCall(ulong address)
    {
        Span<byte> code = stackalloc byte[6];
        if (!Memory.TryRead(address - 6, code, out _))
        {
            return false;
        }

        return code[1] == 0xe8
            || (code[0] == 0xff && code[1] == 0x15)
            || (code[4] == 0xff && code[5] is >= 0xd0 and <= 0xd7)
            || (code[3] == 0x41 && code[4] == 0xff && code[5] is >= 0xd0 and <= 0xd7);
    }
}
