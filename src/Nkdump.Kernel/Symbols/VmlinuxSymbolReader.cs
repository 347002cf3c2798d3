using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Reads the .symtab of a vmlinux (ELF64 little-endian) into a symbol table, relocated by
/// KERNELOFFSET like System.map. Type letters are derived the way nm does for the common cases
/// (function T/t, object D/d or B/b by section flags, absolute A). Only .symtab is read; a stripped
/// vmlinux has none and is refused with a clear message.
/// </summary>
public static class VmlinuxSymbolReader
{
    // Elf64_Ehdr: e_shoff @40 (u64), e_shentsize @58, e_shnum @60, e_shstrndx @62 (u16).
    // Elf64_Shdr (64 bytes): sh_name @0, sh_type @4, sh_flags @8, sh_offset @24, sh_size @32, sh_link @40, sh_entsize @56.
    // Elf64_Sym (24 bytes): st_name @0 (u32), st_info @4, st_other @5, st_shndx @6 (u16), st_value @8, st_size @16.
    private const uint ShtSymtab = 2;
    private const ulong ShfWrite = 1, ShfAlloc = 2, ShfExecinstr = 4;
    private const uint ShtNobits = 8;
    private const ushort ShnAbs = 0xfff1, ShnUndef = 0;

    public static SymbolTable Read(string path, ulong kernelOffset = 0)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{path}: cannot read: {e.Message}", e);
        }

        return Read(file, path, kernelOffset);
    }

    public static SymbolTable Read(ReadOnlySpan<byte> file, string path, ulong kernelOffset = 0)
    {
        if (file.Length < 64 || !file[..4].SequenceEqual("\u007fELF"u8) || file[4] != 2 || file[5] != 1)
        {
            throw new DumpFormatException(path, 0, "not an ELF64 little-endian file");
        }

        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(file[40..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[58..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(file[60..]);
        if (shentsize != 64 || shoff > (ulong)file.Length || (ulong)shnum * 64 > (ulong)file.Length - shoff)
        {
            throw new DumpFormatException(path, 40, "section header table lies outside the file");
        }

        Span<(uint Type, ulong Flags, ulong Offset, ulong Size, uint Link)> sections = new (uint, ulong, ulong, ulong, uint)[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var h = file.Slice((int)shoff + (i * 64), 64);
            sections[i] = (BinaryPrimitives.ReadUInt32LittleEndian(h[4..]), BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[24..]), BinaryPrimitives.ReadUInt64LittleEndian(h[32..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[40..]));
        }

        var symtabIndex = -1;
        for (var i = 0; i < shnum; i++)
        {
            if (sections[i].Type == ShtSymtab)
            {
                symtabIndex = i;
                break;
            }
        }

        if (symtabIndex < 0)
        {
            throw new NkdumpException($"{path}: no .symtab section (a stripped vmlinux); use the debug vmlinux or System.map");
        }

        var symtab = sections[symtabIndex];
        var strtab = symtab.Link < shnum ? sections[(int)symtab.Link] : default;
        CheckInside(path, symtab.Offset, symtab.Size, file.Length, shoff);
        CheckInside(path, strtab.Offset, strtab.Size, file.Length, shoff);
        var strings = file.Slice((int)strtab.Offset, (int)strtab.Size);

        var symbols = new List<KernelSymbol>((int)(symtab.Size / 24));
        for (ulong at = 24; at + 24 <= symtab.Size; at += 24) // entry 0 is the null symbol
        {
            var s = file.Slice((int)(symtab.Offset + at), 24);
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(s);
            var info = s[4];
            var shndx = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
            var value = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
            var kind = info & 0xf; // STT_*
            if (nameOffset >= strings.Length || kind is 3 or 4 || shndx == ShnUndef) // skip STT_SECTION, STT_FILE, undefined
            {
                continue;
            }

            var end = strings[(int)nameOffset..].IndexOf((byte)0);
            var name = Encoding.Latin1.GetString(end < 0 ? strings[(int)nameOffset..] : strings.Slice((int)nameOffset, end));
            if (name.Length == 0)
            {
                continue;
            }

            var type = TypeLetter(shndx, shndx < sections.Length ? sections[shndx] : default, info >> 4);
            symbols.Add(new KernelSymbol(name, type is 'A' or 'a' ? value : SystemMapReader.Relocate(value, kernelOffset), type));
        }

        return new SymbolTable(path, symbols);
    }

    private static void CheckInside(string path, ulong offset, ulong size, int length, ulong at)
    {
        if (offset > (ulong)length || size > (ulong)length - offset)
        {
            throw new DumpFormatException(path, (long)at, $"section at {offset} size {size} lies outside the file");
        }
    }

    private static char TypeLetter(ushort shndx, (uint Type, ulong Flags, ulong Offset, ulong Size, uint Link) section, int binding)
    {
        char letter;
        if (shndx == ShnAbs)
        {
            letter = 'A';
        }
        else if ((section.Flags & ShfExecinstr) != 0)
        {
            letter = 'T';
        }
        else if (section.Type == ShtNobits)
        {
            letter = 'B';
        }
        else if ((section.Flags & ShfWrite) != 0)
        {
            letter = 'D';
        }
        else
        {
            letter = (section.Flags & ShfAlloc) != 0 ? 'R' : 'N';
        }

        // STB_LOCAL is lower case; STB_WEAK is W.
        return binding switch
        {
            0 => char.ToLowerInvariant(letter),
            2 => 'W',
            _ => letter,
        };
    }
}
