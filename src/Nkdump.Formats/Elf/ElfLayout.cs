namespace Nkdump.Formats.Elf;

/// <summary>
/// Field offsets of the ELF64 structures (include/uapi/linux/elf.h, the gABI) and the values nkdump
/// reads, shared by the reader (<see cref="ElfFile"/>) and the core writer. Little-endian only.
/// </summary>
internal static class ElfLayout
{
    // typedef struct elf64_hdr {
    //   unsigned char e_ident[16]; Elf64_Half e_type; Elf64_Half e_machine; Elf64_Word e_version;
    //   Elf64_Addr e_entry; Elf64_Off e_phoff; Elf64_Off e_shoff; Elf64_Word e_flags;
    //   Elf64_Half e_ehsize; Elf64_Half e_phentsize; Elf64_Half e_phnum;
    //   Elf64_Half e_shentsize; Elf64_Half e_shnum; Elf64_Half e_shstrndx; } Elf64_Ehdr;
    public const int EhdrSize = 64;
    public const int EIdentClass = 4;
    public const int EIdentData = 5;
    public const int EIdentVersion = 6;
    public const int EType = 16;
    public const int EMachine = 18;
    public const int EVersion = 20;
    public const int EEntry = 24;
    public const int EPhoff = 32;
    public const int EShoff = 40;
    public const int EFlags = 48;
    public const int EEhsize = 52;
    public const int EPhentsize = 54;
    public const int EPhnum = 56;
    public const int EShentsize = 58;
    public const int EShnum = 60;
    public const int EShstrndx = 62;

    // typedef struct elf64_phdr { Elf64_Word p_type; Elf64_Word p_flags; Elf64_Off p_offset;
    //   Elf64_Addr p_vaddr; Elf64_Addr p_paddr; Elf64_Xword p_filesz; Elf64_Xword p_memsz;
    //   Elf64_Xword p_align; } Elf64_Phdr;
    public const int PhdrSize = 56;
    public const int PType = 0;
    public const int PFlags = 4;
    public const int POffset = 8;
    public const int PVaddr = 16;
    public const int PPaddr = 24;
    public const int PFilesz = 32;
    public const int PMemsz = 40;
    public const int PAlign = 48;

    // typedef struct elf64_shdr { Elf64_Word sh_name; Elf64_Word sh_type; Elf64_Xword sh_flags;
    //   Elf64_Addr sh_addr; Elf64_Off sh_offset; Elf64_Xword sh_size; Elf64_Word sh_link;
    //   Elf64_Word sh_info; Elf64_Xword sh_addralign; Elf64_Xword sh_entsize; } Elf64_Shdr;
    public const int ShdrSize = 64;
    public const int ShName = 0;
    public const int ShType = 4;
    public const int ShFlags = 8;
    public const int ShAddr = 16;
    public const int ShOffset = 24;
    public const int ShSize = 32;
    public const int ShLink = 40;
    public const int ShInfo = 44;
    public const int ShAddralign = 48;
    public const int ShEntsize = 56;

    // typedef struct elf64_note { Elf64_Word n_namesz; Elf64_Word n_descsz; Elf64_Word n_type; } Elf64_Nhdr;
    public const int NhdrSize = 12;
    public const int NNamesz = 0;
    public const int NDescsz = 4;
    public const int NType = 8;

    // typedef struct elf64_sym { Elf64_Word st_name; unsigned char st_info; unsigned char st_other;
    //   Elf64_Half st_shndx; Elf64_Addr st_value; Elf64_Xword st_size; } Elf64_Sym;
    public const int SymSize = 24;
    public const int StName = 0;
    public const int StInfo = 4;
    public const int StOther = 5;
    public const int StShndx = 6;
    public const int StValue = 8;
    public const int StSize = 16;

    // typedef struct { Elf64_Sxword d_tag; union { Elf64_Xword d_val; Elf64_Addr d_ptr; } d_un; } Elf64_Dyn;
    public const int DynSize = 16;
    public const int DTag = 0;
    public const int DVal = 8;

    public static ReadOnlySpan<byte> Magic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public const byte ElfClass64 = 2;
    public const byte ElfData2Lsb = 1;
    public const ushort EtRel = 1;
    public const ushort EtExec = 2;
    public const ushort EtDyn = 3;
    public const ushort EtCore = 4;
    public const ushort EmX86_64 = 62;
    public const uint PtLoad = 1;
    public const uint PtDynamic = 2;
    public const uint PtInterp = 3;
    public const uint PtNote = 4;

    // sh_type values.
    public const uint ShtNull = 0;
    public const uint ShtSymtab = 2;
    public const uint ShtStrtab = 3;
    public const uint ShtNote = 7;
    public const uint ShtNobits = 8;
    public const uint ShtDynsym = 11;

    // sh_flags bits.
    public const ulong ShfWrite = 0x1;
    public const ulong ShfAlloc = 0x2;
    public const ulong ShfExecinstr = 0x4;

    // Special section indexes: st_shndx values that name no section, and the escapes of e_shstrndx.
    public const ushort ShnUndef = 0;
    public const ushort ShnLoreserve = 0xff00;
    public const ushort ShnAbs = 0xfff1;
    public const ushort ShnCommon = 0xfff2;
    public const ushort ShnXindex = 0xffff;

    // d_tag values (Elf64_Dyn).
    public const long DtNull = 0;
    public const long DtNeeded = 1;
    public const long DtStrtab = 5;
    public const long DtStrsz = 10;
    public const long DtSoname = 14;
    public const long DtRpath = 15;
    public const long DtRunpath = 29;

    /// <summary>NT_GNU_BUILD_ID, in a note owned by "GNU" (include/uapi/linux/elf.h, binutils' elf/common.h).</summary>
    public const uint NtGnuBuildId = 3;

    /// <summary>e_phnum's escape value: the real count is in section header 0's sh_info.</summary>
    public const ushort PnXnum = 0xffff;

    /// <summary>
    /// e_flags bit makedumpfile sets in an ELF dump it could not finish (no space left): its
    /// DUMP_ELF_INCOMPLETE, set by check_and_modify_elf_headers() in makedumpfile.c. Kernels leave e_flags 0.
    /// </summary>
    public const uint DumpElfIncomplete = 0x1;
}
