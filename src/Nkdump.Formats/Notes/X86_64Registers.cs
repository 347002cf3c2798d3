using System.Buffers.Binary;

namespace Nkdump.Formats.Notes;

/// <summary>
/// The general registers of one x86_64 CPU as NT_PRSTATUS stores them: struct user_regs_struct
/// (arch/x86/include/asm/user_64.h), 27 unsigned longs in this order.
/// </summary>
public sealed class X86_64Registers
{
    /// <summary>The register names in struct user_regs_struct order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi",
        "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
    ];

    /// <summary>sizeof(struct user_regs_struct) on x86_64.</summary>
    public const int Size = 27 * 8;

    private readonly ulong[] _values;

    private X86_64Registers(ulong[] values) => _values = values;

    public static X86_64Registers Parse(ReadOnlySpan<byte> userRegs)
    {
        var values = new ulong[27];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt64LittleEndian(userRegs[(i * 8)..]);
        }

        return new X86_64Registers(values);
    }

    /// <summary>A register by its name in <see cref="Names"/>; null for an unknown name.</summary>
    public ulong? this[string name]
    {
        get
        {
            for (var i = 0; i < Names.Count; i++)
            {
                if (Names[i] == name)
                {
                    return _values[i];
                }
            }

            return null;
        }
    }

    /// <summary>All registers in <see cref="Names"/> order.</summary>
    public IReadOnlyList<ulong> Values => _values;

    public ulong R15 => _values[0];
    public ulong R14 => _values[1];
    public ulong R13 => _values[2];
    public ulong R12 => _values[3];
    public ulong Rbp => _values[4];
    public ulong Rbx => _values[5];
    public ulong R11 => _values[6];
    public ulong R10 => _values[7];
    public ulong R9 => _values[8];
    public ulong R8 => _values[9];
    public ulong Rax => _values[10];
    public ulong Rcx => _values[11];
    public ulong Rdx => _values[12];
    public ulong Rsi => _values[13];
    public ulong Rdi => _values[14];
    public ulong OrigRax => _values[15];
    public ulong Rip => _values[16];
    public ulong Cs => _values[17];
    public ulong Eflags => _values[18];
    public ulong Rsp => _values[19];
    public ulong Ss => _values[20];
    public ulong FsBase => _values[21];
    public ulong GsBase => _values[22];
    public ulong Ds => _values[23];
    public ulong Es => _values[24];
    public ulong Fs => _values[25];
    public ulong Gs => _values[26];
}
