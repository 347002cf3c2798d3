using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Fuzz.Seeds;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Fuzz.Targets;

/// <summary>
/// <see cref="ElfFile"/> as it reads a vmlinux, a kernel module or a shared library: program and
/// section headers, every section's bytes, notes and the build id, the interpreter and dynamic
/// entries (the capture initramfs' library discovery), symbol tables (System.map's stand-in) and .BTF.
/// </summary>
internal static class ElfFileTarget
{
    private const int MaxSection = 1 << 20;

    public static FuzzTarget Target { get; } =
        new("elf-file", "Formats/Elf ElfFile: vmlinux, .ko and shared libraries (sections, symbols, dynamic, notes, .BTF)", Run, ElfFileSeeds.All);

    private static void Run(byte[] input)
    {
        using var elf = ElfFile.Open(input, "fuzz.elf");
        _ = (elf.Header.Type, elf.Header.Machine);
        foreach (var segment in elf.Segments)
        {
            _ = (segment.Offset, segment.FileSize);
        }

        foreach (var section in elf.Sections.Take(64))
        {
            _ = elf.FileRange(section);
            if (!section.IsNoBits && section.Size <= MaxSection)
            {
                _ = elf.ReadSection(section, MaxSection);
            }
        }

        // Each reader on its own: one that refuses the file must not hide the others from the fuzzer.
        Stage(() => elf.ReadInterpreter());
        Stage(() => elf.ReadDynamic());
        Stage(() => elf.ReadNotes());
        Stage(() => elf.ReadBuildId());
        Stage(() => elf.ReadStrings(".modinfo", MaxSection));
        Stage(() => elf.ReadSymbolTable());
        Stage(() => elf.ReadDynamicSymbols());
        Stage(() => VmlinuxSymbolReader.Read(elf));
        Stage(() => BtfLoader.FromVmlinux(elf));
    }

    /// <summary>Runs one reader; its NkdumpException is an answer, anything else reaches the contract.</summary>
    private static void Stage(Func<object?> reader)
    {
        try
        {
            _ = reader();
        }
        catch (NkdumpException)
        {
        }
    }
}
