using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Limits;

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

        if (stop <= start || stop - start > InputLimits.Kernel.BtfBytes)
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
        using var elf = ElfFile.Open(path);
        return FromVmlinux(elf);
    }

    /// <summary>The types of an opened vmlinux's .BTF section.</summary>
    public static BtfTypes FromVmlinux(ElfFile elf)
    {
        var btf = elf.ReadSection(".BTF", InputLimits.Kernel.BtfBytes)
            ?? throw new NkdumpException($"{elf.Path}: no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)");
        return BtfParser.Parse(btf, $"{elf.Path} .BTF");
    }
}
