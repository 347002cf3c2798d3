namespace Nkdump.Formats.Elf;

/// <summary>
/// One section header (Elf64_Shdr) with its name. <see cref="HeaderOffset"/> is where the header
/// itself is in the file, so that errors about the section can name it.
/// </summary>
public readonly record struct ElfSection(
    int Index,
    string Name,
    uint Type,
    ulong Flags,
    ulong Address,
    ulong Offset,
    ulong Size,
    uint Link,
    uint Info,
    ulong Alignment,
    ulong EntrySize,
    long HeaderOffset)
{
    /// <summary>SHT_NOBITS (.bss): the section takes memory but no bytes of the file.</summary>
    public bool IsNoBits => Type == ElfLayout.ShtNobits;

    /// <summary>SHF_ALLOC: the section is loaded into memory.</summary>
    public bool IsAllocated => (Flags & ElfLayout.ShfAlloc) != 0;

    /// <summary>SHF_WRITE.</summary>
    public bool IsWritable => (Flags & ElfLayout.ShfWrite) != 0;

    /// <summary>SHF_EXECINSTR.</summary>
    public bool IsExecutable => (Flags & ElfLayout.ShfExecinstr) != 0;

    /// <summary>SHT_NOTE.</summary>
    public bool IsNote => Type == ElfLayout.ShtNote;

    /// <summary>"section 3 (.BTF)", for messages.</summary>
    public override string ToString() => Name.Length == 0 ? $"section {Index}" : $"section {Index} ({Name})";
}
