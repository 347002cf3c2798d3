using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Collector.Debuginfo;

/// <summary>
/// What makedumpfile -x takes from a vmlinux, without DWARF: the types from its .BTF section
/// (CONFIG_DEBUG_INFO_BTF) and the link-time symbol addresses from its .symtab, or, for the
/// stripped vmlinux inside a distribution's vmlinuz, from the System.map next to it.
/// </summary>
/// <param name="Path">The vmlinux.</param>
/// <param name="Types">Its BTF.</param>
/// <param name="Symbols">Link-time addresses (not relocated by KASLR).</param>
/// <param name="BuildId">
/// The GNU build ID (its NT_GNU_BUILD_ID note, in the .notes section that stripping keeps) as
/// lower-case hex, or null: it checks that -x was given the crashed kernel's own vmlinux, since
/// offsets taken from another build would filter the wrong pages without any error.
/// </param>
internal sealed record VmlinuxDebuginfo(string Path, BtfTypes Types, SymbolTable Symbols, string? BuildId)
{
    public static VmlinuxDebuginfo Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new NkdumpException($"{path}: no such vmlinux");
        }

        ElfFile? elf = null;
        BtfTypes types;
        try
        {
            elf = ElfFile.Open(path);
            types = BtfLoader.FromVmlinux(elf);
        }
        catch (NkdumpException e)
        {
            elf?.Dispose();
            throw new NkdumpException($"-x {path}: nkdump reads a vmlinux's BTF, not its DWARF, and this one has none usable ({e.Message})", e);
        }

        using (elf)
        {
            return new VmlinuxDebuginfo(path, types, ReadSymbols(elf, path), elf.ReadBuildId());
        }
    }

    /// <summary>The vmlinux's .symtab, or else the one System.map beside it (System.map or System.map-RELEASE).</summary>
    private static SymbolTable ReadSymbols(ElfFile elf, string path)
    {
        try
        {
            return VmlinuxSymbolReader.Read(elf);
        }
        catch (NkdumpException symtabProblem)
        {
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
            var maps = Directory.GetFiles(directory, "System.map*").Order(StringComparer.Ordinal).ToArray();
            var name = System.IO.Path.GetFileName(path);
            var release = name.StartsWith("vmlinux-", StringComparison.Ordinal) ? name[8..] : null;
            var map = maps.Length == 1 ? maps[0]
                : maps.FirstOrDefault(m => release is not null && System.IO.Path.GetFileName(m) == "System.map-" + release)
                ?? throw new NkdumpException($"{symtabProblem.Message}; and {(maps.Length == 0 ? "no System.map" : $"{maps.Length} System.map files")} next to it to take the symbols from");
            return SystemMapReader.Read(map);
        }
    }
}
