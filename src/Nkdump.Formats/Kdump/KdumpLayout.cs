namespace Nkdump.Formats.Kdump;

/// <summary>
/// Field offsets of the kdump-compressed ("diskdump") format on x86_64, as makedumpfile's
/// diskdump_mod.h declares it; shared by the reader and the writer.
/// </summary>
internal static class KdumpLayout
{
    public static ReadOnlySpan<byte> Signature => "KDUMP   "u8;

    // struct disk_dump_header {
    //   char signature[8];              @0
    //   int header_version;             @8
    //   struct new_utsname utsname;     @12  (6 x char[65]: sysname, nodename, release, version, machine, domainname)
    //   struct timeval timestamp;       @408 (aligned to 8: tv_sec, tv_usec as 64-bit)
    //   unsigned int status;            @424
    //   int block_size;                 @428
    //   int sub_hdr_size;               @432 (in blocks)
    //   unsigned int bitmap_blocks;     @436 (both bitmaps, in blocks)
    //   unsigned int max_mapnr;         @440 (obsolete 32-bit copy)
    //   unsigned int total_ram_blocks;  @444
    //   unsigned int device_blocks;     @448
    //   unsigned int written_blocks;    @452
    //   unsigned int current_cpu;       @456
    //   int nr_cpus;                    @460
    // };                                sizeof = 464
    public const int HeaderSize = 464;
    public const int HeaderVersion = 8;
    public const int Utsname = 12;
    public const int UtsFieldLength = 65;
    public const int TimestampSeconds = 408;
    public const int TimestampMicroseconds = 416;
    public const int Status = 424;
    public const int BlockSize = 428;
    public const int SubHeaderSize = 432;
    public const int BitmapBlocks = 436;
    public const int MaxMapnr32 = 440;
    public const int TotalRamBlocks = 444;
    public const int DeviceBlocks = 448;
    public const int WrittenBlocks = 452;
    public const int CurrentCpu = 456;
    public const int NrCpus = 460;

    // struct kdump_sub_header (at block 1) {
    //   unsigned long phys_base;        +0
    //   int dump_level;                 +8   (header_version >= 1)
    //   int split;                      +12  (>= 2)
    //   unsigned long start_pfn;        +16  (>= 2, obsolete 32-bit-era copy)
    //   unsigned long end_pfn;          +24
    //   off_t offset_vmcoreinfo;        +32  (>= 3)
    //   unsigned long size_vmcoreinfo;  +40
    //   off_t offset_note;              +48  (>= 4)
    //   unsigned long size_note;        +56
    //   off_t offset_eraseinfo;         +64  (>= 5)
    //   unsigned long size_eraseinfo;   +72
    //   unsigned long long start_pfn_64;  +80 (>= 6)
    //   unsigned long long end_pfn_64;    +88
    //   unsigned long long max_mapnr_64;  +96
    // };                                sizeof = 104
    public const int SubHeaderLength = 104;
    public const int SubPhysBase = 0;
    public const int SubDumpLevel = 8;
    public const int SubSplit = 12;
    public const int SubStartPfn = 16;
    public const int SubEndPfn = 24;
    public const int SubOffsetVmcoreinfo = 32;
    public const int SubSizeVmcoreinfo = 40;
    public const int SubOffsetNote = 48;
    public const int SubSizeNote = 56;
    public const int SubOffsetEraseinfo = 64;
    public const int SubSizeEraseinfo = 72;
    public const int SubStartPfn64 = 80;
    public const int SubEndPfn64 = 88;
    public const int SubMaxMapnr64 = 96;

    // typedef struct page_desc {
    //   off_t offset;                   +0  where the page's data is in the file
    //   unsigned int size;              +8  its length there
    //   unsigned int flags;             +12 DUMP_DH_COMPRESSED_* (0: raw)
    //   unsigned long long page_flags;  +16 unused (0)
    // } page_desc_t;                    sizeof = 24
    public const int DescriptorSize = 24;
    public const int DescOffset = 0;
    public const int DescSize = 8;
    public const int DescFlags = 12;
    public const int DescPageFlags = 16;

    // disk_dump_header.status and page_desc.flags bits.
    public const uint CompressedZlib = 0x1;
    public const uint CompressedLzo = 0x2;
    public const uint CompressedSnappy = 0x4;
    public const uint Incomplete = 0x8;
    public const uint ExcludedVmemmap = 0x10;
    public const uint CompressedZstd = 0x20;
    public const uint CompressionMask = CompressedZlib | CompressedLzo | CompressedSnappy | CompressedZstd;

    /// <summary>The newest header version (makedumpfile 1.5.4+: 64-bit PFNs in the sub-header).</summary>
    public const int CurrentHeaderVersion = 6;
}
