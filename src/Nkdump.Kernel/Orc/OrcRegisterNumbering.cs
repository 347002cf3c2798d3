using Nkdump.Formats;

namespace Nkdump.Kernel.Orc;

/// <summary>
/// How a kernel numbers the ORC base registers in struct orc_entry's sp_reg and bp_reg (ORC_REG_* in
/// arch/x86/include/asm/orc_types.h). Two numberings exist:
/// <code>
///                 UNDEFINED PREV_SP AX DX DI BP SP R10 R13 BP_INDIRECT SP_INDIRECT
/// 4.14 .. 6.x     0         1       10 2  3  4  5  6   7   8           9          (Debian 5.10, 6.1, 6.12)
/// 7.x             0         8       1  2  5  4  3  6   7   10          9          (Debian 7.3.4's headers)
/// </code>
/// (AX came later than the others, for clang's DRAP register, as 10 in the old numbering.) Nothing
/// in BTF or VMCOREINFO says which one a kernel uses, and the version is no proof (a backport can
/// move it), so the entries themselves decide (<see cref="Detect"/>).
/// </summary>
public sealed class OrcRegisterNumbering
{
    private readonly OrcRegister[] _byNumber;

    private OrcRegisterNumbering(string name, params OrcRegister[] byNumber)
    {
        Name = name;
        _byNumber = byNumber;
    }

    /// <summary>The numbering of Linux 4.14 to 6.x.</summary>
    public static OrcRegisterNumbering Original { get; } = new("original (4.14-6.x)",
        OrcRegister.Undefined, OrcRegister.PrevSp, OrcRegister.Dx, OrcRegister.Di, OrcRegister.Bp, OrcRegister.Sp,
        OrcRegister.R10, OrcRegister.R13, OrcRegister.BpIndirect, OrcRegister.SpIndirect, OrcRegister.Ax);

    /// <summary>The numbering of Linux 7.x.</summary>
    public static OrcRegisterNumbering Renumbered { get; } = new("renumbered (7.x)",
        OrcRegister.Undefined, OrcRegister.Ax, OrcRegister.Dx, OrcRegister.Sp, OrcRegister.Bp, OrcRegister.Di,
        OrcRegister.R10, OrcRegister.R13, OrcRegister.PrevSp, OrcRegister.SpIndirect, OrcRegister.BpIndirect);

    public string Name { get; }

    /// <summary>The raw number (0..15) a kernel of this numbering gives <paramref name="register"/>.</summary>
    public int NumberOf(OrcRegister register) => Array.IndexOf(_byNumber, register);

    /// <summary>The register a raw sp_reg or bp_reg number (0..15) stands for.</summary>
    public OrcRegister Decode(int number) => number >= 0 && number < _byNumber.Length ? _byNumber[number] : OrcRegister.Unknown;

    /// <summary>
    /// The numbering a table of raw orc_entry bytes was written with. In every kernel the commonest
    /// base register of the CFA is SP (a function's frames are mostly sp-relative: 87 % of the
    /// entries on 6.1, 7.3) and the commonest base of the saved bp, where one is saved, is PREV_SP.
    /// The two numberings put both elsewhere (SP 5 / PREV_SP 1, or SP 3 / PREV_SP 8); a table whose
    /// commonest numbers fit neither is refused rather than misread.
    /// </summary>
    public static OrcRegisterNumbering Detect(ReadOnlySpan<byte> entries, string table)
    {
        Span<int> sp = stackalloc int[16];
        Span<int> bp = stackalloc int[16];
        for (var at = 0; at + OrcFormat.EntrySize <= entries.Length; at += OrcFormat.EntrySize)
        {
            var registers = entries[at + 4];
            sp[registers & 0x0f]++;
            bp[registers >> 4]++;
        }

        var commonestSp = Commonest(sp);
        var commonestBp = Commonest(bp);
        foreach (var numbering in new[] { Original, Renumbered })
        {
            if (commonestSp == numbering.NumberOf(OrcRegister.Sp) && commonestBp == numbering.NumberOf(OrcRegister.PrevSp))
            {
                return numbering;
            }
        }

        throw new NkdumpException(
            $"ORC table of {table}: its commonest sp_reg is {commonestSp} and bp_reg {commonestBp}, which fits no known register numbering (SP 5 and PREV_SP 1, or SP 3 and PREV_SP 8)");
    }

    public override string ToString() => Name;

    /// <summary>The most frequent non-zero number (0 means "undefined" in both numberings), or -1.</summary>
    private static int Commonest(ReadOnlySpan<int> counts)
    {
        var best = -1;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > 0 && (best < 0 || counts[i] > counts[best]))
            {
                best = i;
            }
        }

        return best;
    }
}
