using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Kernel.Modules;

/// <summary>
/// Reads a module's own symbol table from the crashed kernel's memory: struct mod_kallsyms
/// (include/linux/module.h) { Elf_Sym *symtab; unsigned int num_symtab; char *strtab; char *typetab; }
/// that module->kallsyms points to (module->core_kallsyms once its init has run: only the symbols
/// of its core sections are kept). symtab is an array of Elf64_Sym whose st_value the loader has
/// already relocated to the symbol's address; typetab (5.1+) holds each symbol's nm letter, which
/// older kernels kept in st_info instead.
/// </summary>
internal static class ModuleKallsymsReader
{
    /// <summary>KSYM_NAME_LEN (512 since 6.1).</summary>
    private const int MaxNameLength = 512;

    /// <summary>The string table is read in one piece up to this size (bigger ones name by name).</summary>
    private const int MaxStringTableRead = 8 << 20;

    // Elf64_Sym (include/uapi/linux/elf.h): st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64.
    private const int SymSize = 24;
    private const int StName = 0;
    private const int StInfo = 4;
    private const int StShndx = 6;
    private const int StValue = 8;

    /// <summary>Where module <paramref name="module"/>'s table is, or null when struct module has none (CONFIG_KALLSYMS off).</summary>
    public static ModuleKallsymsLocation? Locate(KernelMemory memory, ModuleLayout layout, ulong module)
    {
        if (layout.Symtab is not { } symtab || layout.NumSymtab is not { } count || layout.Strtab is not { } strtab)
        {
            return null;
        }

        // module->kallsyms (RCU pointer) is where the kernel looks; it is &module->core_kallsyms after init.
        ulong? table = null;
        if (layout.KallsymsPointer is { } pointer && memory.TryReadUInt64(module + (ulong)pointer, out var target, out _) && target != 0)
        {
            table = target;
        }
        else if (layout.CoreKallsyms is { } embedded)
        {
            table = module + (ulong)embedded;
        }

        if (table is not { } at)
        {
            return null;
        }

        return new ModuleKallsymsLocation(
            memory.ReadPointer(at + (ulong)symtab, "mod_kallsyms.symtab"),
            memory.ReadUInt32(at + (ulong)count, "mod_kallsyms.num_symtab"),
            memory.ReadPointer(at + (ulong)strtab, "mod_kallsyms.strtab"),
            layout.Typetab is { } typetab ? memory.ReadPointer(at + (ulong)typetab, "mod_kallsyms.typetab") : null);
    }

    /// <summary>Every defined symbol of the table (entry 0 and undefined entries are left out).</summary>
    public static ModuleSymbols Read(KernelMemory memory, string module, ModuleKallsymsLocation table)
    {
        if (table.Count > InputLimits.Kernel.ModuleSymbols)
        {
            throw new NkdumpException($"module {module}: num_symtab {table.Count} is not plausible");
        }

        var count = (int)table.Count;
        var raw = memory.ReadBytes(table.Symtab, checked(count * SymSize), $"symbol table of module {module}");
        var types = table.Typetab is { } typetab && count > 0 ? memory.ReadBytes(typetab, count, $"symbol types of module {module}") : null;
        var strings = ReadStrings(memory, table.Strtab, raw, count);
        var symbols = new List<KernelSymbol>(count);
        for (var i = 1; i < count; i++)
        {
            var sym = raw.AsSpan(i * SymSize, SymSize);
            if (BinaryPrimitives.ReadUInt16LittleEndian(sym[StShndx..]) == 0)
            {
                continue; // SHN_UNDEF
            }

            var nameAt = BinaryPrimitives.ReadUInt32LittleEndian(sym[StName..]);
            var name = Name(memory, strings, table.Strtab, nameAt, module);
            var info = sym[StInfo];
            var type = types is not null ? (char)types[i] : char.IsAsciiLetter((char)info) ? (char)info : TypeFromInfo(info);
            symbols.Add(new KernelSymbol(name, BinaryPrimitives.ReadUInt64LittleEndian(sym[StValue..]), type));
        }

        return new ModuleSymbols(module, $"kallsyms of module {module} in the dump", symbols);
    }

    /// <summary>The string table up to the last name's end, read at once (it is one allocation in the module's data).</summary>
    private static byte[] ReadStrings(KernelMemory memory, ulong strtab, byte[] raw, int count)
    {
        uint last = 0;
        for (var i = 1; i < count; i++)
        {
            last = Math.Max(last, BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan((i * SymSize) + StName)));
        }

        var length = (int)Math.Min((long)last + MaxNameLength, MaxStringTableRead);
        var bytes = new byte[length];
        var read = memory.TryReadPrefix(strtab, bytes, out _);
        return bytes[..read];
    }

    private static string Name(KernelMemory memory, byte[] strings, ulong strtab, uint at, string module)
    {
        if (at < strings.Length)
        {
            var rest = strings.AsSpan((int)at);
            var end = rest.IndexOf((byte)0);
            if (end >= 0)
            {
                return Encoding.UTF8.GetString(rest[..end]);
            }
        }

        return memory.ReadCString(strtab + at, MaxNameLength, $"a symbol name of module {module}");
    }

    /// <summary>An nm letter from st_info alone: functions 't', objects 'd', the rest '?' (lower case: module symbols are local to kallsyms).</summary>
    private static char TypeFromInfo(byte info) => (info & 0xf) switch
    {
        2 => 't',
        1 => 'd',
        _ => '?',
    };
}
