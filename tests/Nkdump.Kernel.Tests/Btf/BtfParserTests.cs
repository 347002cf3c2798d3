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

    /// <summary>Builds a little-endian BTF blob by hand (header, types, strings).</summary>
    private sealed class BtfBlob
    {
        private readonly List<byte> _types = [];
        private readonly List<byte> _strings = [0];
        private int _next = 1;

        public int Int(string name, int size, bool signed)
        {
            Type(name, 1, 0, false, (uint)size);
            U32((signed ? 1u : 0u) << 24 | (uint)(size * 8));
            return _next++;
        }

        public int Ptr(int target)
        {
            Type("", 2, 0, false, (uint)target);
            return _next++;
        }

        public int Array(int element, int index, uint count)
        {
            Type("", 3, 0, false, 0);
            U32((uint)element);
            U32((uint)index);
            U32(count);
            return _next++;
        }

        public int Struct(string name, uint size, bool kindFlag, params (string Name, int Type, uint Bit, uint Bits)[] members)
        {
            Type(name, 4, members.Length, kindFlag, size);
            foreach (var m in members)
            {
                U32(Str(m.Name));
                U32((uint)m.Type);
                U32(kindFlag ? m.Bits << 24 | m.Bit : m.Bit);
            }

            return _next++;
        }

        public int Enum64(string name, params (string Name, long Value)[] values)
        {
            Type(name, 19, values.Length, true, 8);
            foreach (var v in values)
            {
                U32(Str(v.Name));
                U32((uint)(ulong)v.Value);
                U32((uint)((ulong)v.Value >> 32));
            }

            return _next++;
        }

        public int Typedef(string name, int target)
        {
            Type(name, 8, 0, false, (uint)target);
            return _next++;
        }

        public byte[] Build()
        {
            var header = new byte[24];
            BinaryPrimitives.WriteUInt16LittleEndian(header, 0xeB9F);
            header[2] = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 24);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)_types.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), (uint)_types.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), (uint)_strings.Count);
            return [.. header, .. _types, .. _strings];
        }

        private void Type(string name, int kind, int vlen, bool kindFlag, uint sizeOrType)
        {
            U32(Str(name));
            U32((uint)vlen | (uint)kind << 24 | (kindFlag ? 1u << 31 : 0));
            U32(sizeOrType);
        }

        private uint Str(string s)
        {
            if (s.Length == 0)
            {
                return 0;
            }

            var at = (uint)_strings.Count;
            _strings.AddRange(System.Text.Encoding.UTF8.GetBytes(s));
            _strings.Add(0);
            return at;
        }

        private void U32(uint v)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, v);
            _types.AddRange(bytes);
        }
    }
}
