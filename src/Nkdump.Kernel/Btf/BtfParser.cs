using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;

namespace Nkdump.Kernel.Btf;

/// <summary>
/// Parses raw BTF (the kernel's .BTF section: include/uapi/linux/btf.h, Documentation/bpf/btf.rst).
/// Every offset, length and count is checked against the buffer; a malformed blob fails with the
/// source name and byte offset, never with a huge allocation or a silent truncation.
/// </summary>
internal static class BtfParser
{
    /// <summary>BTF_MAGIC, little-endian.</summary>
    public const ushort Magic = 0xeB9F;

    // struct btf_header { __u16 magic; __u8 version; __u8 flags; __u32 hdr_len;
    //                     __u32 type_off; __u32 type_len; __u32 str_off; __u32 str_len; };  (offsets after hdr_len)
    private const int HeaderSize = 24;

    // struct btf_type { __u32 name_off; __u32 info; union { __u32 size; __u32 type; }; };
    // info: bits 0-15 vlen, bits 24-28 kind, bit 31 kind_flag.
    private const int TypeRecordSize = 12;

    public static BtfTypes Parse(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < HeaderSize || data.Length > InputLimits.Kernel.BtfBytes)
        {
            throw new DumpFormatException(source, 0, $"BTF of {data.Length} bytes is outside 24..{InputLimits.Kernel.BtfBytes}");
        }

        if (BinaryPrimitives.ReadUInt16LittleEndian(data) != Magic)
        {
            throw new DumpFormatException(source, 0, $"no BTF magic (0x{BinaryPrimitives.ReadUInt16LittleEndian(data):x4}; big-endian BTF is not supported)");
        }

        if (data[2] != 1)
        {
            throw new DumpFormatException(source, 2, $"BTF version {data[2]} (only 1 is known)");
        }

        var hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        var typeOff = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        var typeLen = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        var strOff = BinaryPrimitives.ReadUInt32LittleEndian(data[16..]);
        var strLen = BinaryPrimitives.ReadUInt32LittleEndian(data[20..]);
        if (hdrLen < HeaderSize || hdrLen > (uint)data.Length)
        {
            throw new DumpFormatException(source, 4, $"BTF header length {hdrLen} is outside the data");
        }

        var body = data[(int)hdrLen..];
        CheckRange(source, 8, typeOff, typeLen, body.Length, "type section");
        CheckRange(source, 16, strOff, strLen, body.Length, "string section");
        var types = body.Slice((int)typeOff, (int)typeLen);
        var strings = new BtfStrings(body.Slice((int)strOff, (int)strLen), source, hdrLen + strOff);

        var list = new List<BtfType> { new(0, BtfKind.Void, "void", false, 0, 0) };
        var at = 0;
        while (at < types.Length)
        {
            var fileOffset = hdrLen + typeOff + (uint)at;
            if (types.Length - at < TypeRecordSize)
            {
                throw new DumpFormatException(source, fileOffset, "truncated btf_type record");
            }

            var nameOff = BinaryPrimitives.ReadUInt32LittleEndian(types[at..]);
            var info = BinaryPrimitives.ReadUInt32LittleEndian(types[(at + 4)..]);
            var sizeOrType = BinaryPrimitives.ReadUInt32LittleEndian(types[(at + 8)..]);
            at += TypeRecordSize;
            var vlen = (int)(info & 0xffff);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            var kindFlag = (info >> 31) != 0;
            var name = strings.Get(nameOff, fileOffset);
            var trailing = TrailingSize(kind, vlen, source, fileOffset);
            if (types.Length - at < trailing)
            {
                throw new DumpFormatException(source, fileOffset, $"btf_type {list.Count} ({kind}) runs past the type section");
            }

            var extra = types.Slice(at, trailing);
            at += trailing;
            list.Add(Build(list.Count, kind, name, kindFlag, vlen, sizeOrType, extra, strings, fileOffset));
        }

        return new BtfTypes(list, source);
    }

    private static void CheckRange(string source, long at, uint offset, uint length, int limit, string what)
    {
        if (offset > (uint)limit || length > (uint)limit - offset)
        {
            throw new DumpFormatException(source, at, $"BTF {what} ({offset}+{length}) lies outside the {limit} bytes after the header");
        }
    }

    private static int TrailingSize(BtfKind kind, int vlen, string source, long at) => kind switch
    {
        BtfKind.Int => 4,
        BtfKind.Array => 12,
        BtfKind.Struct or BtfKind.Union => vlen * 12,
        BtfKind.Enum => vlen * 8,
        BtfKind.Enum64 => vlen * 12,
        BtfKind.FuncProto => vlen * 8,
        BtfKind.Var => 4,
        BtfKind.DataSec => vlen * 12,
        BtfKind.DeclTag => 4,
        BtfKind.Ptr or BtfKind.Fwd or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
            or BtfKind.Func or BtfKind.Float or BtfKind.TypeTag => 0,
        _ => throw new DumpFormatException(source, at, $"unknown BTF kind {(int)kind}"),
    };

    private static BtfType Build(int id, BtfKind kind, string name, bool kindFlag, int vlen, uint sizeOrType,
        ReadOnlySpan<byte> extra, BtfStrings strings, long at)
    {
        switch (kind)
        {
            case BtfKind.Int:
                // __u32 following btf_type: encoding bits 24-27, offset bits 16-23, nr_bits bits 0-7.
                var value = BinaryPrimitives.ReadUInt32LittleEndian(extra);
                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType)
                {
                    IntEncoding = (int)((value >> 24) & 0x0f),
                    IntBitOffset = (int)((value >> 16) & 0xff),
                    IntBits = (int)(value & 0xff),
                };
            case BtfKind.Array:
                // struct btf_array { __u32 type; __u32 index_type; __u32 nelems; };
                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType)
                {
                    Array = ((int)BinaryPrimitives.ReadUInt32LittleEndian(extra), (int)BinaryPrimitives.ReadUInt32LittleEndian(extra[4..]),
                        BinaryPrimitives.ReadUInt32LittleEndian(extra[8..])),
                };
            case BtfKind.Struct or BtfKind.Union:
                // struct btf_member { __u32 name_off; __u32 type; __u32 offset; };
                // with kind_flag: offset = bitfield_size << 24 | bit_offset.
                var members = new BtfMember[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var m = extra.Slice(i * 12, 12);
                    var offset = BinaryPrimitives.ReadUInt32LittleEndian(m[8..]);
                    members[i] = new BtfMember(strings.Get(BinaryPrimitives.ReadUInt32LittleEndian(m), at),
                        (int)BinaryPrimitives.ReadUInt32LittleEndian(m[4..]),
                        kindFlag ? offset & 0xffffff : offset, kindFlag ? (int)(offset >> 24) : 0);
                }

                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType) { Members = members };
            case BtfKind.Enum or BtfKind.Enum64:
                // struct btf_enum { __u32 name_off; __s32 val; };
                // struct btf_enum64 { __u32 name_off; __u32 val_lo32; __u32 val_hi32; };
                var step = kind == BtfKind.Enum ? 8 : 12;
                var enumerators = new BtfEnumerator[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var e = extra.Slice(i * step, step);
                    long v = kind == BtfKind.Enum
                        ? (kindFlag ? BinaryPrimitives.ReadInt32LittleEndian(e[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(e[4..]))
                        : (long)(BinaryPrimitives.ReadUInt32LittleEndian(e[4..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(e[8..]) << 32));
                    enumerators[i] = new BtfEnumerator(strings.Get(BinaryPrimitives.ReadUInt32LittleEndian(e), at), v);
                }

                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType) { Enumerators = enumerators };
            case BtfKind.FuncProto:
                // struct btf_param { __u32 name_off; __u32 type; };
                var parameters = new BtfParam[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    parameters[i] = new BtfParam(strings.Get(BinaryPrimitives.ReadUInt32LittleEndian(extra[(i * 8)..]), at),
                        (int)BinaryPrimitives.ReadUInt32LittleEndian(extra[((i * 8) + 4)..]));
                }

                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType) { Params = parameters };
            case BtfKind.DataSec:
                // struct btf_var_secinfo { __u32 type; __u32 offset; __u32 size; };
                var variables = new BtfVarSecInfo[vlen];
                for (var i = 0; i < vlen; i++)
                {
                    var v = extra.Slice(i * 12, 12);
                    variables[i] = new BtfVarSecInfo((int)BinaryPrimitives.ReadUInt32LittleEndian(v),
                        BinaryPrimitives.ReadUInt32LittleEndian(v[4..]), BinaryPrimitives.ReadUInt32LittleEndian(v[8..]));
                }

                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType) { Variables = variables };
            case BtfKind.Var or BtfKind.DeclTag:
                // struct btf_var { __u32 linkage; };  struct btf_decl_tag { __s32 component_idx; };
                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType) { Extra = BinaryPrimitives.ReadInt32LittleEndian(extra) };
            default:
                return new BtfType(id, kind, name, kindFlag, vlen, sizeOrType);
        }
    }

    /// <summary>The string section, decoded once per distinct offset (names repeat a lot).</summary>
    private sealed class BtfStrings(ReadOnlySpan<byte> section, string source, long sectionOffset)
    {
        private readonly byte[] _bytes = section.ToArray();
        private readonly Dictionary<uint, string> _cache = [];

        public string Get(uint offset, long recordOffset)
        {
            if (offset == 0)
            {
                return "";
            }

            if (_cache.TryGetValue(offset, out var cached))
            {
                return cached;
            }

            if (offset >= (uint)_bytes.Length)
            {
                throw new DumpFormatException(source, recordOffset, $"BTF name offset {offset} is past the {_bytes.Length}-byte string section at {sectionOffset}");
            }

            var rest = _bytes.AsSpan((int)offset);
            var end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                throw new DumpFormatException(source, sectionOffset + offset, "unterminated BTF string");
            }

            var text = Encoding.UTF8.GetString(rest[..end]);
            _cache[offset] = text;
            return text;
        }
    }
}
