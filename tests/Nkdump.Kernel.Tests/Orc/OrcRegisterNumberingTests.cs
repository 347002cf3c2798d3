using Nkdump.Formats;
using Nkdump.Kernel.Orc;

namespace Nkdump.Kernel.Tests.Orc;

/// <summary>
/// The two ORC register numberings (4.14-6.x and 7.x, as arch/x86/include/asm/orc_types.h of
/// Debian's 6.12.117 and 7.3.4 headers define them) and how a table's own entries tell them apart.
/// </summary>
public class OrcRegisterNumberingTests
{
    [Theory]
    [InlineData(1, OrcRegister.PrevSp, OrcRegister.Ax)]
    [InlineData(2, OrcRegister.Dx, OrcRegister.Dx)]
    [InlineData(3, OrcRegister.Di, OrcRegister.Sp)]
    [InlineData(4, OrcRegister.Bp, OrcRegister.Bp)]
    [InlineData(5, OrcRegister.Sp, OrcRegister.Di)]
    [InlineData(6, OrcRegister.R10, OrcRegister.R10)]
    [InlineData(7, OrcRegister.R13, OrcRegister.R13)]
    [InlineData(8, OrcRegister.BpIndirect, OrcRegister.PrevSp)]
    [InlineData(9, OrcRegister.SpIndirect, OrcRegister.SpIndirect)]
    [InlineData(10, OrcRegister.Ax, OrcRegister.BpIndirect)]
    [InlineData(11, OrcRegister.Unknown, OrcRegister.Unknown)]
    [InlineData(0, OrcRegister.Undefined, OrcRegister.Undefined)]
    public void EachNumberMeansItsRegister(int number, OrcRegister original, OrcRegister renumbered)
    {
        Assert.Equal(original, OrcRegisterNumbering.Original.Decode(number));
        Assert.Equal(renumbered, OrcRegisterNumbering.Renumbered.Decode(number));
    }

    [Fact]
    public void A73EntryDecodesWithTheNewNumbers()
    {
        // The entry covering vpanic+0x178 in Debian's 7.3.4 vmlinux (.orc_unwind, 28 00 e0 ff 83 02): read with
        // the old numbers it says "sp_reg DI" and the unwind stopped there; it is SP + 40, bp saved at PREV_SP - 32.
        byte[] raw = [0x28, 0x00, 0xe0, 0xff, 0x83, 0x02];
        Assert.Equal(new OrcEntry(40, -32, OrcRegister.Sp, OrcRegister.PrevSp, OrcFrameType.Call, false), OrcFormat.Renumbered.Decode(raw));
        Assert.Equal(OrcRegister.Di, OrcFormat.Typed.Decode(raw).SpReg);
    }

    [Fact]
    public void TheCommonestBaseRegistersDecideTheNumbering()
    {
        // Mostly "CFA = SP + n" entries, some saving bp at PREV_SP - 16, a few others, as in a real table.
        Assert.Same(OrcRegisterNumbering.Original, OrcRegisterNumbering.Detect(Table(sp: 5, prevSp: 1, typeByte: 0x02), "t"));
        Assert.Same(OrcRegisterNumbering.Renumbered, OrcRegisterNumbering.Detect(Table(sp: 3, prevSp: 8, typeByte: 0x02), "t"));

        // SP numbered 3 but bp saved relative to 1: neither numbering; refused by name, not guessed.
        var e = Assert.Throws<NkdumpException>(() => OrcRegisterNumbering.Detect(Table(sp: 3, prevSp: 1, typeByte: 0x02), "nkcrash"));
        Assert.Contains("nkcrash", e.Message, StringComparison.Ordinal);
        Assert.Throws<NkdumpException>(() => OrcRegisterNumbering.Detect([], "empty"));
    }

    [Theory]
    [InlineData(5, 1, 0x00, false)] // 4.14-6.3: CALL is type 0
    [InlineData(5, 1, 0x02, true)]  // 6.4-6.x: CALL is type 2
    [InlineData(3, 8, 0x02, true)]  // 7.x
    public void WithoutBtfTheEntriesGiveTheLayoutToo(int sp, int prevSp, byte typeByte, bool typed)
    {
        var format = OrcTable.DetectFormat(null, Table(sp, prevSp, typeByte), "t");
        Assert.Equal(typed, format.TypedEndOfStack);
        Assert.Equal(typed ? 3 : 2, format.TypeBits);
    }

    /// <summary>100 entries: 80 "CFA = SP + 8" frames (half saving bp at PREV_SP - 16), 10 BP-based, 10 undefined.</summary>
    private static byte[] Table(int sp, int prevSp, byte typeByte)
    {
        var table = new byte[100 * OrcFormat.EntrySize];
        for (var i = 0; i < 100; i++)
        {
            var entry = table.AsSpan(i * OrcFormat.EntrySize);
            entry[0] = 8;
            (entry[4], entry[5]) = i switch
            {
                < 40 => ((byte)sp, typeByte),
                < 80 => ((byte)(sp | (prevSp << 4)), typeByte),
                < 90 => ((byte)4, typeByte),
                _ => ((byte)0, (byte)0),
            };
        }

        return table;
    }
}
