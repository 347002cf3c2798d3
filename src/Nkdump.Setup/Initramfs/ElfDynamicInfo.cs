using Nkdump.Formats.Elf;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// The little a capture initramfs needs from an ELF executable or library: its interpreter
/// (PT_INTERP), the libraries it needs (DT_NEEDED) and where to look for them (DT_RUNPATH, then
/// DT_RPATH), as <see cref="ElfFile"/> reads them. A bad file gives a DumpFormatException (an
/// NkdumpException) naming it and the byte offset.
/// </summary>
internal sealed record ElfDynamicInfo(string? Interpreter, IReadOnlyList<string> Needed, IReadOnlyList<string> RunPath)
{
    public static ElfDynamicInfo Read(string path)
    {
        using var elf = ElfFile.Open(path);
        var interpreter = elf.ReadInterpreter();
        return elf.ReadDynamic() is { } dynamic
            ? new ElfDynamicInfo(interpreter, dynamic.Needed, [.. dynamic.RunPath, .. dynamic.RPath])
            : new ElfDynamicInfo(interpreter, [], []);
    }
}
