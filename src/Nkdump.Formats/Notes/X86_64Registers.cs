using System.Buffers.Binary;

namespace Nkdump.Formats.Notes;

/// <summary>The x86_64 general registers in struct user_regs_struct order (arch/x86/include/asm/user_64.h).</summary>
public enum X86_64Register
{
    R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8, Rax, Rcx, Rdx, Rsi, Rdi,
    OrigRax, Rip, Cs, Eflags, Rsp, Ss, FsBase, GsBase, Ds, Es, Fs, Gs,
}

/// <summary>
/// A set of x86_64 general registers, each known or not: all of them from an NT_PRSTATUS note
/// (struct user_regs_struct, 27 unsigned longs), fewer where only part was saved (an exception
/// frame, an iret frame, a sleeping task's switch frame). Unknown registers read as null.
/// </summary>
public sealed class X86_64Registers
{
    /// <summary>How many registers struct user_regs_struct holds.</summary>
    public const int Count = 27;

    /// <summary>sizeof(struct user_regs_struct) on x86_64.</summary>
    public const int Size = Count * 8;

    private const uint AllKnown = (1u << Count) - 1;

    private readonly ulong[] _values;
    private readonly uint _known;

    private X86_64Registers(ulong[] values, uint known)
    {
        _values = values;
        _known = known;
    }

    /// <summary>The register names in struct user_regs_struct order (lower case, as in the JSON).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
        "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
    ];

    /// <summary>A whole struct user_regs_struct: every register known.</summary>
    public static X86_64Registers Parse(ReadOnlySpan<byte> userRegs) => ParsePrefix(userRegs, Count);

    /// <summary>
    /// The first <paramref name="count"/> registers of user_regs_struct order, stored as consecutive
    /// little-endian unsigned longs; the rest are unknown.
    /// </summary>
    public static X86_64Registers ParsePrefix(ReadOnlySpan<byte> bytes, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        if (bytes.Length < count * 8)
        {
            throw new ArgumentException($"{count} registers need {count * 8} bytes, not {bytes.Length}", nameof(bytes));
        }

        var values = new ulong[Count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(i * 8)..]);
        }

        return new X86_64Registers(values, count == Count ? AllKnown : (1u << count) - 1);
    }

    /// <summary>A set where only the given registers are known.</summary>
    public static X86_64Registers Of(params ReadOnlySpan<(X86_64Register Register, ulong Value)> known)
    {
        var values = new ulong[Count];
        var mask = 0u;
        foreach (var (register, value) in known)
        {
            values[(int)register] = value;
            mask |= 1u << (int)register;
        }

        return new X86_64Registers(values, mask);
    }

    /// <summary>Whether every register is known (an NT_PRSTATUS note).</summary>
    public bool IsComplete => _known == AllKnown;

    public bool IsKnown(X86_64Register register) => (_known & (1u << (int)register)) != 0;

    /// <summary>A register's value, or null when this set does not know it.</summary>
    public ulong? Get(X86_64Register register) => IsKnown(register) ? _values[(int)register] : null;

    /// <summary>A register by its name in <see cref="Names"/>; null for an unknown name or an unknown value.</summary>
    public ulong? this[string name]
    {
        get
        {
            for (var i = 0; i < Names.Count; i++)
            {
                if (Names[i] == name)
                {
                    return Get((X86_64Register)i);
                }
            }

            return null;
        }
    }

    /// <summary>All registers in <see cref="Names"/> order (an unknown one reads 0: check <see cref="IsKnown"/>).</summary>
    public IReadOnlyList<ulong> Values => _values;

    public ulong R15 => _values[(int)X86_64Register.R15];
    public ulong R14 => _values[(int)X86_64Register.R14];
    public ulong R13 => _values[(int)X86_64Register.R13];
    public ulong R12 => _values[(int)X86_64Register.R12];
    public ulong Rbp => _values[(int)X86_64Register.Rbp];
    public ulong Rbx => _values[(int)X86_64Register.Rbx];
    public ulong R11 => _values[(int)X86_64Register.R11];
    public ulong R10 => _values[(int)X86_64Register.R10];
    public ulong R9 => _values[(int)X86_64Register.R9];
    public ulong R8 => _values[(int)X86_64Register.R8];
    public ulong Rax => _values[(int)X86_64Register.Rax];
    public ulong Rcx => _values[(int)X86_64Register.Rcx];
    public ulong Rdx => _values[(int)X86_64Register.Rdx];
    public ulong Rsi => _values[(int)X86_64Register.Rsi];
    public ulong Rdi => _values[(int)X86_64Register.Rdi];
    public ulong OrigRax => _values[(int)X86_64Register.OrigRax];
    public ulong Rip => _values[(int)X86_64Register.Rip];
    public ulong Cs => _values[(int)X86_64Register.Cs];
    public ulong Eflags => _values[(int)X86_64Register.Eflags];
    public ulong Rsp => _values[(int)X86_64Register.Rsp];
    public ulong Ss => _values[(int)X86_64Register.Ss];
    public ulong FsBase => _values[(int)X86_64Register.FsBase];
    public ulong GsBase => _values[(int)X86_64Register.GsBase];
    public ulong Ds => _values[(int)X86_64Register.Ds];
    public ulong Es => _values[(int)X86_64Register.Es];
    public ulong Fs => _values[(int)X86_64Register.Fs];
    public ulong Gs => _values[(int)X86_64Register.Gs];
}
