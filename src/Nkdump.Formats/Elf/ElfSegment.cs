namespace Nkdump.Formats.Elf;

/// <summary>One program header (Elf64_Phdr) of an ELF file.</summary>
public readonly record struct ElfSegment(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress, ulong FileSize, ulong MemorySize, ulong Alignment = 0)
{
    public bool IsLoad => Type == ElfLayout.PtLoad;

    public bool IsNote => Type == ElfLayout.PtNote;
}
