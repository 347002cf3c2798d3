using System.Buffers.Binary;

namespace Nkdump.Kernel.Tests.Btf;

/// <summary>Builds a little-endian BTF blob by hand (header, types, strings).</summary>
internal sealed class BtfBlob
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

    /// <summary>A BTF_KIND_FUNC_PROTO without parameters.</summary>
    public int FuncProto(int returnType)
    {
        Type("", 13, 0, false, (uint)returnType);
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
