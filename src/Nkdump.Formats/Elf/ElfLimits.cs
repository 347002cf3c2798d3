namespace Nkdump.Formats.Elf;

/// <summary>
/// Caps on what one ELF file may ask the reader to allocate: every count and size read from a file
/// is checked against these (and against the file's length) before anything is allocated for it.
/// Each is far above what a real vmcore, vmlinux, kernel module or shared library holds.
/// </summary>
internal static class ElfLimits
{
    /// <summary>Program headers: QEMU's paging dumps write one per mapped run, millions on a large guest.</summary>
    public const long MaxProgramHeaders = 1L << 24;

    /// <summary>Section headers: a vmlinux has about 40, a kernel module built with -ffunction-sections thousands.</summary>
    public const long MaxSections = 1L << 20;

    /// <summary>The section-name string table (.shstrtab): a few hundred bytes to a few hundred KiB.</summary>
    public const int MaxSectionNames = 16 << 20;

    /// <summary>A symbol table or its string table: a debug vmlinux's .symtab is some 10 MiB.</summary>
    public const int MaxSymbolTable = 512 << 20;

    /// <summary>Dynamic entries (Elf64_Dyn) in PT_DYNAMIC: a shared library has a few dozen.</summary>
    public const int MaxDynamicEntries = 4096;

    /// <summary>DT_STRSZ, the dynamic string table.</summary>
    public const int MaxDynamicStrings = 16 << 20;

    /// <summary>PT_INTERP, the interpreter's path.</summary>
    public const int MaxInterpreter = 4096;
}
