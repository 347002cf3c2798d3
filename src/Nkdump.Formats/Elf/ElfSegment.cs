namespace Nkdump.Formats.Elf;

/// <summary>One program header of an ELF core (the fields a dump reader needs).</summary>
public readonly record struct ElfSegment(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress, ulong FileSize, ulong MemorySize)
{
    public bool IsLoad => Type == ElfLayout.PtLoad;

    public bool IsNote => Type == ElfLayout.PtNote;
}
