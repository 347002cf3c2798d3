using System.Globalization;
using System.Text;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats;

/// <summary>
/// The VMCOREINFO note: "KEY=VALUE" lines the crashed kernel wrote for dump tools
/// (Documentation/admin-guide/kdump/vmcoreinfo.rst). Typed access to SYMBOL(), SIZE(), OFFSET(),
/// NUMBER(), LENGTH() and the plain keys. Unknown and malformed lines are kept as text but never
/// make parsing fail: a crashed kernel's note is evidence, not a contract.
/// </summary>
public sealed class VmcoreInfo
{
    private readonly Dictionary<string, string> _entries;

    private VmcoreInfo(Dictionary<string, string> entries, string text)
    {
        _entries = entries;
        Text = text;
    }

    /// <summary>The note's text as the kernel wrote it (trailing NULs removed).</summary>
    public string Text { get; }

    public IReadOnlyDictionary<string, string> Entries => _entries;

    public static VmcoreInfo Parse(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        var text = Encoding.ASCII.GetString(end >= 0 ? bytes[..end] : bytes);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            // The first definition wins, as in makedumpfile's read_vmcoreinfo_*().
            entries.TryAdd(line[..eq], line[(eq + 1)..].TrimEnd('\r'));
        }

        return new VmcoreInfo(entries, text);
    }

    public string? Get(string key) => _entries.TryGetValue(key, out var value) ? value : null;

    /// <summary>OSRELEASE, e.g. "6.1.0-56-amd64".</summary>
    public string? OsRelease => Get("OSRELEASE");

    /// <summary>BUILD-ID: the kernel's GNU build id in hex.</summary>
    public string? BuildId => Get("BUILD-ID");

    public int? PageSize => (int?)ParseDecimal("PAGESIZE");

    /// <summary>KERNELOFFSET (hex): the KASLR slide of the kernel text.</summary>
    public ulong? KernelOffset => ParseHex("KERNELOFFSET");

    /// <summary>CRASHTIME: seconds since the epoch when the kernel crashed.</summary>
    public long? CrashTime => ParseDecimal("CRASHTIME");

    /// <summary>SYMBOL(name) (hex address, already relocated by KASLR).</summary>
    public ulong? Symbol(string name) => ParseHex($"SYMBOL({name})");

    /// <summary>SIZE(type) in bytes (decimal).</summary>
    public long? Size(string type) => ParseDecimal($"SIZE({type})");

    /// <summary>OFFSET(type.member) in bytes (decimal).</summary>
    public long? Offset(string typeAndMember) => ParseDecimal($"OFFSET({typeAndMember})");

    /// <summary>NUMBER(name) (decimal, may be negative).</summary>
    public long? Number(string name) => ParseDecimal($"NUMBER({name})");

    /// <summary>LENGTH(name) (decimal).</summary>
    public long? Length(string name) => ParseDecimal($"LENGTH({name})");

    public ulong? ParseHex(string key)
    {
        var value = Get(key);
        if (value is null)
        {
            return null;
        }

        if (value.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            value = value[2..];
        }

        return ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var result) ? result : null;
    }

    public long? ParseDecimal(string key)
    {
        var value = Get(key);
        return value is not null && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result) ? result : null;
    }
}
