using System.Buffers.Binary;

namespace Nkdump.Kernel.Orc;

/// <summary>The frame kinds of ORC, in one vocabulary for both encodings (see <see cref="OrcFormat"/>).</summary>
public enum OrcFrameType
{
    /// <summary>No unwind data (6.4+ ORC_TYPE_UNDEFINED; before, sp_reg UNDEFINED without the end bit).</summary>
    Undefined,

    /// <summary>The outermost frame of a kernel stack (6.4+ ORC_TYPE_END_OF_STACK; before, the end bit).</summary>
    EndOfStack,

    /// <summary>A normal call frame: the return address sits just below the CFA.</summary>
    Call,

    /// <summary>A full struct pt_regs at the CFA (entry code, exceptions).</summary>
    Regs,

    /// <summary>Only the hardware iret frame (ip, cs, flags, sp, ss) at the CFA.</summary>
    RegsPartial,
}

/// <summary>
/// The base registers of ORC, by meaning. Their numbers in struct orc_entry changed in Linux 7.x;
/// <see cref="OrcRegisterNumbering"/> maps a raw sp_reg/bp_reg to these.
/// </summary>
public enum OrcRegister
{
    Undefined,
    PrevSp,
    Ax,
    Dx,
    Di,
    Bp,
    Sp,
    R10,
    R13,
    BpIndirect,
    SpIndirect,

    /// <summary>A raw number the kernel's numbering does not define.</summary>
    Unknown,
}

/// <summary>One decoded struct orc_entry.</summary>
public readonly record struct OrcEntry(short SpOffset, short BpOffset, OrcRegister SpReg, OrcRegister BpReg, OrcFrameType Type, bool Signal);

/// <summary>
/// The bit layout of struct orc_entry (6 bytes, __packed) on one kernel:
/// <code>
/// struct orc_entry {            // 4.14 .. 6.3                      // 6.4+ (commit fb799447ae29)
///     s16 sp_offset;            //   same                           //   same
///     s16 bp_offset;            //   same                           //   same
///     unsigned sp_reg:4;        //   bits 32..35                    //   same
///     unsigned bp_reg:4;        //   bits 36..39                    //   same
///     unsigned type:2;          //   CALL 0, REGS 1, REGS_PARTIAL 2 //   type:3: UNDEFINED 0, END_OF_STACK 1,
///                               //                                  //   CALL 2, REGS 3, REGS_PARTIAL 4
///     unsigned end:1;           //   end of stack hint              //   signal:1
/// } __packed;
/// </code>
/// drgn 0.0.22 reads the old encoding only, hence its "unknown ORC entry type 3" on 6.12. We take
/// the layout from the kernel's own BTF (struct orc_entry has "end" or "signal"), else from the
/// entries themselves (<see cref="OrcTable.DetectFormat"/>); the register numbers always from the
/// entries (<see cref="OrcRegisterNumbering.Detect"/>).
/// </summary>
public sealed record OrcFormat(bool TypedEndOfStack, int TypeBits, OrcRegisterNumbering Registers)
{
    public const int EntrySize = 6;

    /// <summary>The 4.14–6.3 layout (type:2, end:1), registers numbered as before 7.x.</summary>
    public static OrcFormat Legacy { get; } = new(false, 2, OrcRegisterNumbering.Original);

    /// <summary>The 6.4+ layout (type:3 with UNDEFINED/END_OF_STACK, signal:1), registers numbered as before 7.x.</summary>
    public static OrcFormat Typed { get; } = new(true, 3, OrcRegisterNumbering.Original);

    /// <summary>The 7.x kernels' entries: the 6.4 layout with the renumbered registers.</summary>
    public static OrcFormat Renumbered { get; } = new(true, 3, OrcRegisterNumbering.Renumbered);

    public OrcEntry Decode(ReadOnlySpan<byte> entry)
    {
        var sp = BinaryPrimitives.ReadInt16LittleEndian(entry);
        var bp = BinaryPrimitives.ReadInt16LittleEndian(entry[2..]);
        var spReg = Registers.Decode(entry[4] & 0x0f);
        var bpReg = Registers.Decode(entry[4] >> 4);
        var rawType = entry[5] & ((1 << TypeBits) - 1);
        var flag = ((entry[5] >> TypeBits) & 1) != 0;
        if (TypedEndOfStack)
        {
            var type = rawType switch
            {
                1 => OrcFrameType.EndOfStack,
                2 => OrcFrameType.Call,
                3 => OrcFrameType.Regs,
                4 => OrcFrameType.RegsPartial,
                _ => OrcFrameType.Undefined,
            };
            return new OrcEntry(sp, bp, spReg, bpReg, type, flag);
        }

        // Legacy: "end" marks the last frame; an undefined sp_reg without it means no data.
        OrcFrameType legacy;
        if (spReg == OrcRegister.Undefined)
        {
            legacy = flag ? OrcFrameType.EndOfStack : OrcFrameType.Undefined;
        }
        else
        {
            legacy = rawType switch
            {
                0 => OrcFrameType.Call,
                1 => OrcFrameType.Regs,
                2 => OrcFrameType.RegsPartial,
                _ => OrcFrameType.Undefined,
            };
        }

        return new OrcEntry(sp, bp, spReg, bpReg, legacy, rawType is 1 or 2);
    }
}
