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

    /// <summary>SIZE(type) of a struct or union; null when BTF has no such type.</summary>
    public long? Size(string type)
    {
        if ((types.Find(type, BtfKind.Struct) ?? types.Find(type, BtfKind.Union)) is not { } found)
        {
            return null;
        }

        var size = types.SizeOf(found.Id);
        entries[$"SIZE({type})"] = size.ToString(CultureInfo.InvariantCulture);
        return size;
    }

    /// <summary>OFFSET(type.member), the member searched through anonymous structs and unions as C does.</summary>
    public void Offset(string path)
    {
        if (types.OffsetOf(path) is { } offset)
        {
            entries[$"OFFSET({path})"] = offset.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>LENGTH(type.member) of an array member.</summary>
    public void Length(string path)
    {
        if (types.FindPath(path) is { } location && types.Resolve(location.Type) is { Kind: BtfKind.Array } array)
        {
            entries[$"LENGTH({path})"] = array.Array.Count.ToString(CultureInfo.InvariantCulture);
        }
    }

    public void Number(string name, long value) => entries[$"NUMBER({name})"] = value.ToString(CultureInfo.InvariantCulture);
}
