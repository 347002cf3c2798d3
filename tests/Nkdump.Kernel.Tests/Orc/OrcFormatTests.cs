using Nkdump.Kernel.Orc;

namespace Nkdump.Kernel.Tests.Orc;

/// <summary>Decoding struct orc_entry in both layouts (before and after Linux 6.4).</summary>
public class OrcFormatTests
{
    // sp_offset 16, bp_offset -16, sp_reg SP (5), bp_reg PREV_SP (1): byte 4 = 0x15.
    [Theory]
    [InlineData(0x00, OrcFrameType.Call, false)]   // legacy CALL
    [InlineData(0x01, OrcFrameType.Regs, true)]    // legacy REGS
    [InlineData(0x02, OrcFrameType.RegsPartial, true)]
    public void LegacyTypes(byte typeByte, OrcFrameType type, bool signal)
    {
        var entry = OrcFormat.Legacy.Decode([0x10, 0x00, 0xf0, 0xff, 0x15, typeByte]);
        Assert.Equal(new OrcEntry(16, -16, OrcRegister.Sp, OrcRegister.PrevSp, type, signal), entry);
    }

    [Fact]
    public void LegacyEndBitWithUndefinedSpIsEndOfStack()
    {
        Assert.Equal(OrcFrameType.EndOfStack, OrcFormat.Legacy.Decode([0, 0, 0, 0, 0x00, 0x04]).Type);
        Assert.Equal(OrcFrameType.Undefined, OrcFormat.Legacy.Decode([0, 0, 0, 0, 0x00, 0x00]).Type);
    }

    [Theory]
    [InlineData(0x00, OrcFrameType.Undefined, false)]
    [InlineData(0x01, OrcFrameType.EndOfStack, false)]
    [InlineData(0x02, OrcFrameType.Call, false)]
    [InlineData(0x0a, OrcFrameType.Call, true)]    // CALL with the signal bit (bit 3)
    [InlineData(0x03, OrcFrameType.Regs, false)]   // the "type 3" drgn 0.0.22 does not know
    [InlineData(0x04, OrcFrameType.RegsPartial, false)]
    public void TypedLayoutOf64(byte typeByte, OrcFrameType type, bool signal)
    {
        var entry = OrcFormat.Typed.Decode([0x08, 0x00, 0x00, 0x00, 0x05, typeByte]);
        Assert.Equal(type, entry.Type);
        Assert.Equal(signal, entry.Signal);
        Assert.Equal(OrcRegister.Sp, entry.SpReg);
    }
}
