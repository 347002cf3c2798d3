using System.Text;

namespace Nkdump.Formats.Elf;

/// <summary>
/// An ELF string table (.shstrtab, .strtab, .dynstr): NUL-terminated names found by byte offset.
/// An offset past the end is an error naming the field that held it; a last name without its NUL
/// runs to the end of the table.
/// </summary>
internal readonly struct ElfStringTable(byte[] bytes, string path)
{
    /// <summary>No table at all (e_shstrndx is SHN_UNDEF): every name is empty.</summary>
    public static ElfStringTable None(string path) => new([], path);

    public int Length => bytes.Length;

    /// <param name="offset">The name's offset in the table.</param>
    /// <param name="fieldAt">The file offset of the field holding <paramref name="offset"/> (sh_name, st_name, d_val).</param>
    /// <param name="what">What the name belongs to, for the message.</param>
    public string Get(uint offset, long fieldAt, string what)
    {
        if (bytes.Length == 0)
        {
            return "";
        }

        if (offset >= bytes.Length)
        {
            throw new DumpFormatException(path, fieldAt, $"{what}: name offset {offset} is past the end of its string table ({bytes.Length} bytes)");
        }

        var rest = bytes.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
