using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Analysis.Types;

/// <summary>One printed field: its name, C type, byte offset, and either a value or nested fields.</summary>
internal sealed record FieldValue(string Name, string Type, long Offset, string? Value, IReadOnlyList<FieldValue>? Fields);

/// <summary>
/// Renders memory as a BTF type, gdb/crash style: nested structs and unions, char arrays as
/// strings, pointers in hex with the symbol they point at, enums by name, bitfields extracted.
/// Bytes that could not be read print as "&lt;not in dump&gt;", never as zeros.
/// </summary>
internal sealed class StructPrinter(BtfTypes btf, ISymbolTable? symbols)
{
    /// <summary>Array elements shown before "...".</summary>
    public const int MaxArrayElements = 32;

    /// <summary>Nesting depth shown before "{...}".</summary>
    public const int MaxDepth = 8;

    /// <summary>Decodes <paramref name="bytes"/> (the first <paramref name="readable"/> of them valid) as type <paramref name="typeId"/>.</summary>
    public FieldValue Decode(string name, int typeId, ReadOnlySpan<byte> bytes, int readable) =>
        Decode(name, typeId, bytes, readable, 0, 0, 0);

    private FieldValue Decode(string name, int typeId, ReadOnlySpan<byte> bytes, int readable, long offset, int bitfield, int depth)
    {
        var typeName = btf.TypeName(typeId);
        var type = btf.Resolve(typeId);
        var bitOffsetInByte = 0;
        if (bitfield > 0)
        {
            bitOffsetInByte = (int)(offset % 8);
            offset /= 8;
        }

        var size = bitfield > 0 ? (bitOffsetInByte + bitfield + 7) / 8 : btf.SizeOf(type.Id);
        if (offset < 0 || size < 0 || offset + size > bytes.Length)
        {
            return new FieldValue(name, typeName, offset, "<outside the object>", null);
        }

        if (offset + size > readable && type.Kind is not (BtfKind.Struct or BtfKind.Union or BtfKind.Array))
        {
            return new FieldValue(name, typeName, offset, "<not in dump>", null);
        }

        var data = bytes.Slice((int)offset, (int)size);
        switch (type.Kind)
        {
            case BtfKind.Struct or BtfKind.Union:
                if (depth >= MaxDepth)
                {
                    return new FieldValue(name, typeName, offset, "{...}", null);
                }

                var fields = new List<FieldValue>(type.Members.Count);
                foreach (var member in type.Members)
                {
                    var bits = (long)member.BitOffset;
                    var field = member.BitfieldSize > 0
                        ? Decode(member.Name, member.Type, bytes, readable, (offset * 8) + bits, member.BitfieldSize, depth + 1)
                        : Decode(member.Name, member.Type, bytes, readable, offset + (bits / 8), 0, depth + 1);
                    fields.Add(field);
                }

                return new FieldValue(name, typeName, offset, null, fields);
            case BtfKind.Array:
                return DecodeArray(name, typeName, type, bytes, readable, offset, depth);
            case BtfKind.Ptr:
                return new FieldValue(name, typeName, offset, Pointer(BinaryPrimitives.ReadUInt64LittleEndian(data)), null);
            case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64:
                return new FieldValue(name, typeName, offset, Scalar(type, data, bitOffsetInByte, bitfield), null);
            case BtfKind.Float:
                return new FieldValue(name, typeName, offset, size == 8
                    ? BinaryPrimitives.ReadDoubleLittleEndian(data).ToString(CultureInfo.InvariantCulture)
                    : size == 4 ? BinaryPrimitives.ReadSingleLittleEndian(data).ToString(CultureInfo.InvariantCulture) : Convert.ToHexString(data), null);
            default:
                return new FieldValue(name, typeName, offset, size == 0 ? "" : "0x" + Convert.ToHexStringLower(data), null);
        }
    }

    private FieldValue DecodeArray(string name, string typeName, BtfType array, ReadOnlySpan<byte> bytes, int readable, long offset, int depth)
    {
        var element = btf.Resolve(array.Array.ElementType);
        var elementSize = btf.SizeOf(element.Id);
        var count = array.Array.Count;
        if (element.Kind == BtfKind.Int && elementSize == 1 && (element.IntEncoding & 2) != 0 || element is { Kind: BtfKind.Int, Name: "char" or "unsigned char" or "signed char" })
        {
            var available = (int)Math.Clamp(readable - offset, 0, count);
            if (available < count)
            {
                return new FieldValue(name, typeName, offset, "<not in dump>", null);
            }

            var text = bytes.Slice((int)offset, (int)count);
            var end = text.IndexOf((byte)0);
            return new FieldValue(name, typeName, offset, Quote(end < 0 ? text : text[..end]), null);
        }

        if (elementSize <= 0)
        {
            return new FieldValue(name, typeName, offset, "{}", null);
        }

        var shown = (int)Math.Min(count, MaxArrayElements);
        var items = new List<FieldValue>(shown + 1);
        for (var i = 0; i < shown; i++)
        {
            items.Add(Decode($"[{i}]", array.Array.ElementType, bytes, readable, offset + (i * elementSize), 0, depth + 1));
        }

        if (count > shown)
        {
            items.Add(new FieldValue("...", "", offset + (shown * elementSize), $"{count - shown} more", null));
        }

        return new FieldValue(name, typeName, offset, null, items);
    }

    private static string Scalar(BtfType type, ReadOnlySpan<byte> data, int bitOffset, int bitfield)
    {
        ulong raw = 0;
        for (var i = data.Length - 1; i >= 0; i--)
        {
            raw = (raw << 8) | data[i];
        }

        var signed = type.Kind == BtfKind.Int ? (type.IntEncoding & 1) != 0 : type.KindFlag;
        var bits = bitfield > 0 ? bitfield : data.Length * 8;
        if (bitfield > 0)
        {
            raw = (raw >> bitOffset) & (bits == 64 ? ulong.MaxValue : (1UL << bits) - 1);
        }

        long value = signed && bits < 64 && (raw & (1UL << (bits - 1))) != 0 ? (long)(raw | (ulong.MaxValue << bits)) : (long)raw;
        if (type.Kind is BtfKind.Enum or BtfKind.Enum64)
        {
            foreach (var e in type.Enumerators)
            {
                if (e.Value == value || (ulong)e.Value == raw)
                {
                    return e.Name;
                }
            }
        }

        if (type.Kind == BtfKind.Int && (type.IntEncoding & 4) != 0)
        {
            return raw != 0 ? "true" : "false";
        }

        return signed ? value.ToString(CultureInfo.InvariantCulture) : raw.ToString(CultureInfo.InvariantCulture);
    }

    private string Pointer(ulong value)
    {
        if (value == 0)
        {
            return "0x0";
        }

        if (symbols is not null && symbols.TryResolve(value, out var location) && location.Offset < 0x10000)
        {
            return $"0x{value:x} <{location}>";
        }

        return $"0x{value:x}";
    }

    private static string Quote(ReadOnlySpan<byte> text)
    {
        var builder = new StringBuilder("\"");
        foreach (var b in text)
        {
            builder.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\{Convert.ToString(b, 8).PadLeft(3, '0')}",
            });
        }

        return builder.Append('"').ToString();
    }

    /// <summary>The gdb-like text form of a decoded value.</summary>
    public static string Format(FieldValue root)
    {
        var text = new StringBuilder();
        text.Append(root.Type).Append(' ');
        Append(text, root, 0, top: true);
        return text.ToString();
    }

    private static void Append(StringBuilder text, FieldValue value, int indent, bool top = false)
    {
        if (!top)
        {
            text.Append(' ', indent * 2).Append(value.Name).Append(" = ");
        }

        if (value.Fields is null)
        {
            text.Append(value.Value).Append(top ? "\n" : ",\n");
            return;
        }

        text.Append("{\n");
        foreach (var field in value.Fields)
        {
            Append(text, field, indent + 1);
        }

        text.Append(' ', indent * 2).Append(top ? "}\n" : "},\n");
    }
}
