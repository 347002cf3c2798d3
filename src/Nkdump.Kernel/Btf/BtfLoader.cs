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

    /// <summary>
    /// Reads the .BTF section of a vmlinux ELF file. Only the ELF header, the section headers, their
    /// names and the section itself are read: a debug vmlinux is hundreds of megabytes.
    /// </summary>
    public static BtfTypes FromVmlinux(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            var length = RandomAccess.GetLength(handle);
            var header = new byte[64];
            ReadExactly(handle, header, 0, path);
            CheckElf(header, path);
            var shoff = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40));
            var shnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(60));
            var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(62));
            if (BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(58)) != 64 || shoff > (ulong)length
                || (ulong)shnum * 64 > (ulong)length - shoff || shstrndx >= shnum)
            {
                throw new DumpFormatException(path, 40, "section header table lies outside the file");
            }

            var sections = new byte[shnum * 64];
            ReadExactly(handle, sections, (long)shoff, path);
            var (namesOffset, namesSize) = SectionRange(sections, path, 0, shstrndx, length);
            if (namesSize > 16 << 20)
            {
                throw new DumpFormatException(path, (long)shoff + (shstrndx * 64), $"section name table of {namesSize} bytes");
            }

            var names = new byte[namesSize];
            ReadExactly(handle, names, namesOffset, path);
            for (var i = 0; i < shnum; i++)
            {
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(sections.AsSpan(i * 64));
                if (nameOffset < names.Length && names.AsSpan((int)nameOffset).StartsWith(".BTF\0"u8))
                {
                    var (offset, size) = SectionRange(sections, path, 0, i, length);
                    if (size > BtfParser.MaxSize)
                    {
                        throw new DumpFormatException(path, (long)shoff + (i * 64), $".BTF section of {size} bytes is larger than {BtfParser.MaxSize}");
                    }

                    var btf = new byte[size];
                    ReadExactly(handle, btf, offset, path);
                    return BtfParser.Parse(btf, $"{path} .BTF");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{path}: cannot read: {e.Message}", e);
        }

        throw new NkdumpException($"{path}: no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)");
    }

    private static void ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle handle, byte[] buffer, long offset, string path)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (read <= 0)
            {
                throw new DumpFormatException(path, offset + done, "file ends early");
            }

            done += read;
        }
    }

    private static void CheckElf(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < 64 || !file[..4].SequenceEqual("\u007fELF"u8) || file[4] != 2 || file[5] != 1)
        {
            throw new DumpFormatException(path, 0, "not an ELF64 little-endian file");
        }
    }

    /// <summary>The file offset and size of a named section in an ELF64 little-endian file, or null.</summary>
    public static (long Offset, long Size)? FindSection(ReadOnlySpan<byte> file, string path, string name)
    {
        // Elf64_Ehdr: e_shoff @40, e_shentsize @58, e_shnum @60, e_shstrndx @62.
        // Elf64_Shdr: sh_name @0, sh_type @4, sh_offset @24, sh_size @32.
        CheckElf(file, path);
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(file[40..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[58..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(file[60..]);
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(file[62..]);
        if (shentsize != 64 || shoff > (ulong)file.Length || (ulong)shnum * 64 > (ulong)file.Length - shoff || shstrndx >= shnum)
        {
            throw new DumpFormatException(path, 40, "section header table lies outside the file");
        }

        var headers = file.Slice((int)shoff, shnum * 64);
        var (namesOffset, namesSize) = SectionRange(headers, path, (long)shoff, shstrndx, file.Length);
        var names = file.Slice((int)namesOffset, (int)namesSize);
        var wanted = Encoding.ASCII.GetBytes(name + "\0");
        for (var i = 0; i < shnum; i++)
        {
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[(int)(shoff + ((ulong)i * 64))..]);
            if (nameOffset < names.Length && names[(int)nameOffset..].StartsWith(wanted))
            {
                return SectionRange(headers, path, (long)shoff, i, file.Length);
            }
        }

        return null;
    }

    private static (long Offset, long Size) SectionRange(ReadOnlySpan<byte> headers, string path, long shoff, int index, long length)
    {
        var at = index * 64;
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(headers[(at + 24)..]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(headers[(at + 32)..]);
        if (offset > (ulong)length || size > (ulong)length - offset)
        {
            throw new DumpFormatException(path, shoff + at, $"section {index} ({offset}+{size}) lies outside the file");
        }

        return ((long)offset, (long)size);
    }
}
