using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Kernel.Btf;

namespace Nkdump.Kernel.Tests.Btf;

/// <summary>Hand-built BTF blobs: every kind's trailing data, bitfields, and hostile headers.</summary>
public class BtfParserTests
{
    [Fact]
    public void ParsesStructWithBitfieldsEnum64AndArrays()
    {
        var b = new BtfBlob();
        var intId = b.Int("int", 4, signed: true);          // 1
        var charId = b.Int("char", 1, signed: true);        // 2
        var arr = b.Array(charId, intId, 16);               // 3
        var e64 = b.Enum64("big", ("A", -1), ("B", 1L << 40)); // 4
        var s = b.Struct("thing", 24, kindFlag: true,
            ("a", intId, 0, 0), ("f", intId, 32, 3), ("name", arr, 64, 0)); // 5
        var ptr = b.Ptr(s);                                  // 6
        b.Typedef("thing_t", s);                             // 7
        var btf = BtfParser.Parse(b.Build(), "test");

        Assert.Equal(8, btf.Count);
        Assert.Equal(BtfKind.Enum64, btf[e64].Kind);
        Assert.Equal(1L << 40, btf[e64].Enumerators[1].Value);
        Assert.Equal(16, btf.SizeOf(arr));
        Assert.Equal("char [16]", btf.TypeName(arr));
        Assert.Equal("struct thing *", btf.TypeName(ptr));
        Assert.Equal(3, btf.FindMember(s, "f")!.Value.BitfieldSize);
        Assert.Equal(32, btf.FindMember(s, "f")!.Value.BitOffset);
        Assert.Equal(8, btf.OffsetOf("thing.name"));
        Assert.Equal(s, btf.Resolve(btf.Find("thing_t")!.Id).Id);
        Assert.Equal(24, btf.SizeOf(btf.Find("thing_t")!.Id));
    }

    [Fact]
    public void RejectsBadMagicTruncationAndOutOfRangeSections()
    {
        var good = new BtfBlob();
        good.Int("int", 4, signed: true);
        var bytes = good.Build();

        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = 0;
        Assert.Throws<DumpFormatException>(() => BtfParser.Parse(badMagic, "x"));

        var hugeStrings = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(hugeStrings.AsSpan(20), 0x7fffffff);
        var e = Assert.Throws<DumpFormatException>(() => BtfParser.Parse(hugeStrings, "x"));
        Assert.Equal(16, e.Offset);

        var truncated = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(truncated.AsSpan(12), 13); // type_len cuts the INT's trailer
        Assert.Throws<DumpFormatException>(() => BtfParser.Parse(truncated, "x"));

        var unknownKind = (byte[])bytes.Clone();
        unknownKind[24 + 7] = 30; // info's kind byte
        Assert.Throws<DumpFormatException>(() => BtfParser.Parse(unknownKind, "x"));
    }

    [Fact]
    public void TypedefCycleIsAnErrorNotAHang()
    {
        var b = new BtfBlob();
        b.Typedef("a", 2); // 1 -> 2
        b.Typedef("b", 1); // 2 -> 1
        var btf = BtfParser.Parse(b.Build(), "x");
        Assert.Throws<BtfException>(() => btf.Resolve(1));
        Assert.Throws<BtfException>(() => btf.SizeOf(1));
    }
}
