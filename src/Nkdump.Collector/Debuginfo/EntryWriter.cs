using System.Globalization;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Collector.Debuginfo;

/// <summary>
/// Collects VMCOREINFO entries (KEY=value) computed from BTF and symbols, in the kernel's own
/// spelling: SYMBOL() in hex, SIZE()/OFFSET()/LENGTH()/NUMBER() in decimal. Anything the vmlinux
/// does not have is left out, as the kernel leaves out what its version lacks.
/// </summary>
internal sealed class EntryWriter(Dictionary<string, string> entries, BtfTypes types)
{
    public void Raw(string key, string value) => entries[key] = value;

    public void Symbol(SymbolTable symbols, string name)
    {
        if (symbols.TryGetAddress(name, out var address))
        {
            entries[$"SYMBOL({name})"] = address.ToString("x", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>SIZE(type) of a struct, union or typedef (atomic_long_t, nodemask_t); null when BTF has no such type.</summary>
    public long? Size(string type)
    {
        if (Aggregate(type) is not { } found)
        {
            return null;
        }

        var size = types.SizeOf(found);
        entries[$"SIZE({type})"] = size.ToString(CultureInfo.InvariantCulture);
        return size;
    }

    /// <summary>OFFSET(type.member), the member searched through anonymous structs and unions as C does.</summary>
    public void Offset(string path)
    {
        if (Member(path) is { } location)
        {
            entries[$"OFFSET({path})"] = location.ByteOffset.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>LENGTH(<paramref name="key"/>): the element count of the array member <paramref name="path"/> (the key's own name by default).</summary>
    public void Length(string path, string? key = null)
    {
        if (Member(path) is { } location && types.Resolve(location.Type) is { Kind: BtfKind.Array } array)
        {
            entries[$"LENGTH({key ?? path})"] = array.Array.Count.ToString(CultureInfo.InvariantCulture);
        }
    }

    private int? Aggregate(string name) =>
        (types.Find(name, BtfKind.Struct) ?? types.Find(name, BtfKind.Union) ?? types.Find(name, BtfKind.Typedef))?.Id;

    private BtfMemberLocation? Member(string path)
    {
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Aggregate(path[..dot]) is { } root ? types.FindPath(root, path[(dot + 1)..].Split('.')) : null;
    }

    public void Number(string name, long value) => entries[$"NUMBER({name})"] = value.ToString(CultureInfo.InvariantCulture);
}
