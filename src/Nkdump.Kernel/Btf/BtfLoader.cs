using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;

namespace Nkdump.Kernel.Btf;

/// <summary>
/// Finds BTF: in the dump (the kernel keeps its own .BTF section mapped between the linker
/// symbols __start_BTF and __stop_BTF, CONFIG_DEBUG_INFO_BTF), or in a vmlinux's .BTF section.
/// </summary>
public static class BtfLoader
{
    /// <summary>Reads the kernel's own BTF from memory. Fails (NkdumpException) saying what is missing.</summary>
    public static BtfTypes FromKernel(KernelContext kernel)
    {
        var symbols = kernel.Symbols
            ?? throw new NkdumpException($"no BTF: kernel symbols are needed to find __start_BTF ({kernel.SymbolsProblem})");
        if (!symbols.TryGetAddress("__start_BTF", out var start) || !symbols.TryGetAddress("__stop_BTF", out var stop))
        {
            throw new NkdumpException("no BTF in the dump: no __start_BTF/__stop_BTF symbols (kernel built without CONFIG_DEBUG_INFO_BTF?)");
        }

        if (stop <= start || stop - start > BtfParser.MaxSize)
        {
            throw new NkdumpException($"no BTF: __start_BTF 0x{start:x} .. __stop_BTF 0x{stop:x} is not a plausible range");
        }

        var bytes = kernel.Memory.ReadBytes(start, (int)(stop - start), "the kernel's BTF (__start_BTF)");
        return BtfParser.Parse(bytes, $"BTF in the dump at 0x{start:x}");
    }

    /// <summary>Reads the .BTF section of a vmlinux ELF file.</summary>
    public static BtfTypes FromVmlinux(string path)
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

        var (offset, size) = FindSection(file, path, ".BTF")
            ?? throw new NkdumpException($"{path}: no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)");
        return BtfParser.Parse(file.AsSpan((int)offset, (int)size), $"{path} .BTF");
    }

    /// <summary>The file offset and size of a named section in an ELF64 little-endian file, or null.</summary>
    public static (long Offset, long Size)? FindSection(ReadOnlySpan<byte> file, string path, string name)
    {
        // Elf64_Ehdr: e_shoff @40, e_shentsize @58, e_shnum @60, e_shstrndx @62.
        // Elf64_Shdr: sh_name @0, sh_type @4, sh_offset @24, sh_size @32.
        if (file.Length < 64 || !file[..4].SequenceEqual("\u007fELF"u8) || file[4] != 2 || file[5] != 1)
        {
            throw new DumpFormatException(path, 0, "not an ELF64 little-endian file");
        }

        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(file[40..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[58..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(file[60..]);
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(file[62..]);
        if (shentsize != 64 || shoff > (ulong)file.Length || (ulong)shnum * 64 > (ulong)file.Length - shoff || shstrndx >= shnum)
        {
            throw new DumpFormatException(path, 40, "section header table lies outside the file");
        }

        var (namesOffset, namesSize) = SectionRange(file, path, shoff, shstrndx);
        var names = file.Slice((int)namesOffset, (int)namesSize);
        var wanted = Encoding.ASCII.GetBytes(name + "\0");
        for (var i = 0; i < shnum; i++)
        {
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[(int)(shoff + ((ulong)i * 64))..]);
            if (nameOffset < names.Length && names[(int)nameOffset..].StartsWith(wanted))
            {
                return SectionRange(file, path, shoff, i);
            }
        }

        return null;
    }

    private static (long Offset, long Size) SectionRange(ReadOnlySpan<byte> file, string path, ulong shoff, int index)
    {
        var at = (int)(shoff + ((ulong)index * 64));
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(file[(at + 24)..]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(file[(at + 32)..]);
        if (offset > (ulong)file.Length || size > (ulong)file.Length - offset)
        {
            throw new DumpFormatException(path, at, $"section {index} ({offset}+{size}) lies outside the file");
        }

        return ((long)offset, (long)size);
    }
}
