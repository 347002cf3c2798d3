using System.Text;

namespace Nkdump.Kernel;

/// <summary>
/// The crashed kernel's struct new_utsname (include/uapi/linux/utsname.h: six char[65] fields), as
/// init_uts_ns.name held it: what `uname -a` printed and makedumpfile copies into its header.
/// </summary>
public sealed record Utsname(string SysName, string NodeName, string Release, string Version, string Machine, string DomainName)
{
    /// <summary>__NEW_UTS_LEN + 1: each field's size, NUL included.</summary>
    public const int FieldLength = 65;

    /// <summary>sizeof(struct new_utsname).</summary>
    public const int Size = 6 * FieldLength;

    /// <summary>The six fields in struct order, as the kdump header stores them.</summary>
    public IReadOnlyList<string> Fields => [SysName, NodeName, Release, Version, Machine, DomainName];

    /// <summary>Decodes a struct new_utsname; each field ends at its first NUL (or fills its 65 bytes).</summary>
    public static Utsname Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
        {
            throw new ArgumentException($"struct new_utsname is {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        var fields = new string[6];
        for (var i = 0; i < fields.Length; i++)
        {
            var field = bytes.Slice(i * FieldLength, FieldLength);
            var nul = field.IndexOf((byte)0);
            fields[i] = Encoding.UTF8.GetString(nul >= 0 ? field[..nul] : field);
        }

        return new Utsname(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }
}
