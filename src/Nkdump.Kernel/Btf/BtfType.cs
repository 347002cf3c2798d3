namespace Nkdump.Kernel.Btf;

/// <summary>
/// A struct/union member. <see cref="BitOffset"/> counts bits from the start of the aggregate;
/// <see cref="BitfieldSize"/> is non-zero only for bitfields (kind_flag set on the aggregate).
/// </summary>
public readonly record struct BtfMember(string Name, int Type, uint BitOffset, int BitfieldSize);

/// <summary>An enumerator (ENUM or ENUM64; values are kept as 64 bits, signed per the kind_flag).</summary>
public readonly record struct BtfEnumerator(string Name, long Value);

/// <summary>A FUNC_PROTO parameter, or a DATASEC entry (Type, Offset, Size).</summary>
public readonly record struct BtfParam(string Name, int Type);

/// <summary>One DATASEC entry: a VAR's type id, its offset in the section and its size.</summary>
public readonly record struct BtfVarSecInfo(int Type, uint Offset, uint Size);

/// <summary>
/// One BTF type record (struct btf_type plus the data that follows it for its kind). Immutable;
/// ids refer into the owning <see cref="BtfTypes"/>.
/// </summary>
public sealed class BtfType
{
    internal BtfType(int id, BtfKind kind, string name, bool kindFlag, int vlen, uint sizeOrType)
    {
        Id = id;
        Kind = kind;
        Name = name;
        KindFlag = kindFlag;
        Vlen = vlen;
        SizeOrType = sizeOrType;
    }

    public int Id { get; }

    public BtfKind Kind { get; }

    /// <summary>The name, or "" for anonymous types.</summary>
    public string Name { get; }

    public bool KindFlag { get; }

    /// <summary>The vlen field (members, enumerators, params; the linkage for FUNC).</summary>
    public int Vlen { get; }

    /// <summary>The size (INT, ENUM, STRUCT, UNION, DATASEC, FLOAT) or the referenced type id (the others).</summary>
    public uint SizeOrType { get; }

    /// <summary>For INT: BTF_INT_SIGNED 1, BTF_INT_CHAR 2, BTF_INT_BOOL 4.</summary>
    public int IntEncoding { get; internal init; }

    public int IntBitOffset { get; internal init; }

    public int IntBits { get; internal init; }

    /// <summary>For ARRAY: element type, index type and element count.</summary>
    public (int ElementType, int IndexType, uint Count) Array { get; internal init; }

    public IReadOnlyList<BtfMember> Members { get; internal init; } = [];

    public IReadOnlyList<BtfEnumerator> Enumerators { get; internal init; } = [];

    public IReadOnlyList<BtfParam> Params { get; internal init; } = [];

    public IReadOnlyList<BtfVarSecInfo> Variables { get; internal init; } = [];

    /// <summary>For VAR: 0 static, 1 global. For DECL_TAG: the component index (-1 for the whole type).</summary>
    public int Extra { get; internal init; }

    public bool IsAggregate => Kind is BtfKind.Struct or BtfKind.Union;

    /// <summary>True when <see cref="SizeOrType"/> is a type reference rather than a size.</summary>
    public bool RefersToType => Kind is BtfKind.Ptr or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const
        or BtfKind.Restrict or BtfKind.Func or BtfKind.FuncProto or BtfKind.Var or BtfKind.DeclTag or BtfKind.TypeTag;

    public override string ToString() => $"[{Id}] {Kind} '{Name}'";
}
