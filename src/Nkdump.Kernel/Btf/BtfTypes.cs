using System.Text;
using Nkdump.Formats.Limits;

namespace Nkdump.Kernel.Btf;

/// <summary>Where a member path ("task_struct.thread.sp") lands: byte offset, type, and bitfield data.</summary>
public readonly record struct BtfMemberLocation(long BitOffset, int Type, int BitfieldSize)
{
    public long ByteOffset => BitOffset / 8;
}

/// <summary>
/// A parsed BTF type graph: lookup by id and name, sizes, and member offsets by dotted path.
/// Immutable after parsing; safe to share between readers.
/// </summary>
public sealed class BtfTypes
{
    private readonly List<BtfType> _types;
    private readonly Dictionary<string, List<int>> _byName = new(StringComparer.Ordinal);

    internal BtfTypes(List<BtfType> types, string source)
    {
        _types = types;
        Source = source;
        foreach (var type in types)
        {
            if (type.Name.Length > 0)
            {
                if (!_byName.TryGetValue(type.Name, out var ids))
                {
                    _byName[type.Name] = ids = new List<int>(1);
                }

                ids.Add(type.Id);
            }
        }
    }

    /// <summary>Where the BTF came from ("the dump (__start_BTF..__stop_BTF)", a vmlinux path).</summary>
    public string Source { get; }

    /// <summary>Number of types including the implicit void (id 0).</summary>
    public int Count => _types.Count;

    public BtfType this[int id] => id >= 0 && id < _types.Count
        ? _types[id]
        : throw new BtfException($"BTF type id {id} does not exist ({Source} has {_types.Count})");

    public bool TryGet(int id, out BtfType type)
    {
        type = id >= 0 && id < _types.Count ? _types[id] : null!;
        return type is not null;
    }

    /// <summary>
    /// A named type, preferring a complete definition: "task_struct" finds the STRUCT rather than a FWD.
    /// With <paramref name="kind"/>, only that kind.
    /// </summary>
    public BtfType? Find(string name, BtfKind? kind = null)
    {
        if (!_byName.TryGetValue(name, out var ids))
        {
            return null;
        }

        BtfType? fallback = null;
        foreach (var id in ids)
        {
            var type = _types[id];
            if (kind is { } k ? type.Kind == k : type.Kind is not (BtfKind.Func or BtfKind.Var or BtfKind.DeclTag))
            {
                if (type.Kind != BtfKind.Fwd)
                {
                    return type;
                }

                fallback ??= type;
            }
        }

        return fallback;
    }

    /// <summary>A C-style type name lookup: "struct task_struct", "union thread_union", "enum x", "unsigned int".</summary>
    public BtfType? FindByCName(string cName)
    {
        var text = cName.Trim();
        if (text.StartsWith("struct ", StringComparison.Ordinal))
        {
            return Find(text[7..].Trim(), BtfKind.Struct);
        }

        if (text.StartsWith("union ", StringComparison.Ordinal))
        {
            return Find(text[6..].Trim(), BtfKind.Union);
        }

        if (text.StartsWith("enum ", StringComparison.Ordinal))
        {
            return Find(text[5..].Trim(), BtfKind.Enum) ?? Find(text[5..].Trim(), BtfKind.Enum64);
        }

        return Find(text);
    }

    /// <summary>Follows typedefs, qualifiers and type tags to the underlying type.</summary>
    public BtfType Resolve(int id)
    {
        var type = this[id];
        for (var i = 0; i < InputLimits.Kernel.BtfTypeChain; i++)
        {
            if (type.Kind is not (BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag))
            {
                return type;
            }

            type = this[(int)type.SizeOrType];
        }

        throw new BtfException($"BTF type {id} has a typedef/qualifier chain longer than {InputLimits.Kernel.BtfTypeChain} (a cycle?)");
    }

    /// <summary>
    /// sizeof the type in bytes; 0 for void and function types. Arrays multiply along the same bounded
    /// walk as typedefs (an array whose element is itself once overflowed the stack: found by fuzzing),
    /// and a size past 2^63 is refused rather than overflowing.
    /// </summary>
    public long SizeOf(int id)
    {
        var type = this[id];
        long elements = 1;
        for (var depth = 0; depth < InputLimits.Kernel.BtfTypeChain; depth++)
        {
            switch (type.Kind)
            {
                case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Struct or BtfKind.Union or BtfKind.DataSec or BtfKind.Float:
                    return Multiply(elements, type.SizeOrType, id);
                case BtfKind.Ptr:
                    return Multiply(elements, 8, id);
                case BtfKind.Array:
                    elements = Multiply(elements, type.Array.Count, id);
                    type = this[type.Array.ElementType];
                    continue;
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag or BtfKind.Var:
                    type = this[(int)type.SizeOrType];
                    continue;
                default:
                    return 0;
            }
        }

        throw new BtfException($"BTF type {id} has a typedef/qualifier/array chain longer than {InputLimits.Kernel.BtfTypeChain} (a cycle?)");
    }

    private static long Multiply(long count, long size, int id) =>
        size == 0 || count <= long.MaxValue / size
            ? count * size
            : throw new BtfException($"BTF type {id}: its size ({count} x {size} bytes) does not fit in 64 bits");

    /// <summary>
    /// Finds a member by name in a struct/union, descending into anonymous struct/union members
    /// the way C does. Null when absent.
    /// </summary>
    public BtfMemberLocation? FindMember(int aggregateId, string name)
    {
        var aggregate = Resolve(aggregateId);
        return aggregate.IsAggregate ? FindMember(aggregate, name, 0, 0, []) : null;
    }

    /// <param name="searched">
    /// The aggregates already searched in vain, with the least depth each was searched at: whether one
    /// holds the name does not depend on where it lies, so it is searched again only from nearer the
    /// top (where the depth bound cut off less). Without it, a struct with two anonymous members of one
    /// type, nested 64 deep (or of itself), made 2^64 searches (found by fuzzing: the lookup never returned).
    /// </param>
    private BtfMemberLocation? FindMember(BtfType aggregate, string name, long baseBits, int depth, Dictionary<int, int> searched)
    {
        if (depth > InputLimits.Kernel.BtfTypeChain || (searched.TryGetValue(aggregate.Id, out var before) && before <= depth))
        {
            return null;
        }

        foreach (var member in aggregate.Members)
        {
            if (member.Name == name)
            {
                return new BtfMemberLocation(baseBits + member.BitOffset, member.Type, member.BitfieldSize);
            }
        }

        foreach (var member in aggregate.Members)
        {
            if (member.Name.Length == 0 && TryGet(member.Type, out _) && Resolve(member.Type) is { IsAggregate: true } inner
                && FindMember(inner, name, baseBits + member.BitOffset, depth + 1, searched) is { } found)
            {
                return found;
            }
        }

        searched[aggregate.Id] = depth;
        return null;
    }

    /// <summary>
    /// A dotted member path from a named struct/union: "task_struct.thread.sp" or
    /// "page.mapping". Array subscripts are allowed ("task_struct.comm[0]" is not needed; use offsets).
    /// </summary>
    public BtfMemberLocation? FindPath(string path)
    {
        var parts = path.Split('.');
        if (parts.Length < 2 || (Find(parts[0], BtfKind.Struct) ?? Find(parts[0], BtfKind.Union)) is not { } root)
        {
            return null;
        }

        return FindPath(root.Id, parts.AsSpan(1));
    }

    /// <summary>A member path below the aggregate <paramref name="typeId"/>.</summary>
    public BtfMemberLocation? FindPath(int typeId, ReadOnlySpan<string> members)
    {
        long bits = 0;
        var current = typeId;
        var bitfield = 0;
        foreach (var name in members)
        {
            if (FindMember(current, name) is not { } location)
            {
                return null;
            }

            bits += location.BitOffset;
            current = location.Type;
            bitfield = location.BitfieldSize;
        }

        return new BtfMemberLocation(bits, current, bitfield);
    }

    /// <summary>Byte offset of a member path; null when any part is missing.</summary>
    public long? OffsetOf(string path) => FindPath(path)?.ByteOffset;

    /// <summary>A C spelling of a type: "struct list_head *", "char [16]", "unsigned long".</summary>
    public string TypeName(int id) => TypeName(id, 0);

    /// <summary>
    /// <paramref name="nesting"/> counts the function prototypes entered: one that returns a pointer to
    /// itself once recursed until the stack overflowed (found by fuzzing).
    /// </summary>
    private string TypeName(int id, int nesting)
    {
        if (nesting >= InputLimits.Kernel.BtfTypeChain)
        {
            throw new BtfException($"BTF type {id} nests function prototypes deeper than {InputLimits.Kernel.BtfTypeChain} (a cycle?)");
        }

        var suffix = new StringBuilder();
        var prefix = new StringBuilder();
        var type = this[id];
        for (var depth = 0; depth < InputLimits.Kernel.BtfTypeChain; depth++)
        {
            switch (type.Kind)
            {
                case BtfKind.Ptr:
                    suffix.Insert(0, '*');
                    type = this[(int)type.SizeOrType];
                    continue;
                case BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict:
                    prefix.Append(type.Kind.ToString().ToLowerInvariant()).Append(' ');
                    type = this[(int)type.SizeOrType];
                    continue;
                case BtfKind.TypeTag:
                    type = this[(int)type.SizeOrType];
                    continue;
                case BtfKind.Array:
                    suffix.Append($"[{type.Array.Count}]");
                    type = this[type.Array.ElementType];
                    continue;
                case BtfKind.FuncProto:
                    return $"{prefix}{TypeName((int)type.SizeOrType, nesting + 1)} (*)(...)";
            }

            var head = type.Kind switch
            {
                BtfKind.Void => "void",
                BtfKind.Struct => "struct " + Anonymous(type.Name),
                BtfKind.Union => "union " + Anonymous(type.Name),
                BtfKind.Enum or BtfKind.Enum64 => "enum " + Anonymous(type.Name),
                BtfKind.Fwd => (type.KindFlag ? "union " : "struct ") + type.Name,
                _ => type.Name,
            };
            var text = prefix.Append(head).ToString();
            return suffix.Length == 0 ? text : $"{text} {suffix}";
        }

        return "?";
    }

    private static string Anonymous(string name) => name.Length == 0 ? "{...}" : name;
}

/// <summary>Inconsistent BTF (a reference to a missing type, a cycle) met while answering a question.</summary>
internal sealed class BtfException(string message) : Nkdump.Formats.NkdumpException(message);
