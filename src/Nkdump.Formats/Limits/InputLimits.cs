namespace Nkdump.Formats.Limits;

/// <summary>
/// Every cap nkdump puts on what hostile input may ask of it, in one place: the most it reads of each
/// kind of file, and the largest count, size or depth it accepts from a dump, an ELF file or the
/// kernel memory inside a dump before it allocates or loops. Each is far beyond what a real input
/// holds and far below what would hurt a small capture kernel; an input beyond one is refused with a
/// message naming the input and the value. Constants, not settings: no caller needs another value.
/// </summary>
public static class InputLimits
{
    /// <summary>kdump.conf: a few kilobytes in practice.</summary>
    public const long KdumpConfig = 1 << 20;

    /// <summary>Text files of the system read whole: /proc/cmdline, /proc/cpuinfo (hundreds of KiB on large machines), /etc/default/grub, /etc/passwd, modules.load.</summary>
    public const long SystemText = 16 << 20;

    /// <summary>A boot loader entry (/boot/loader/entries/*.conf): entries are a few hundred bytes.</summary>
    public const long BootLoaderEntry = 1 << 20;

    /// <summary>A kernel's build configuration (/boot/config-*): a few hundred kilobytes.</summary>
    public const long KernelBuildConfig = 16 << 20;

    /// <summary>Module lists of a kernel release (modules.dep, modules.alias: about 1 MiB each).</summary>
    public const long ModuleIndex = 64 << 20;

    /// <summary>root's known_hosts: one line per server, a few hundred bytes each.</summary>
    public const long KnownHosts = 16 << 20;

    /// <summary>A VMCOREINFO file (-i): real notes are 3-5 KiB.</summary>
    public const long VmcoreInfoFile = Dump.VmcoreInfoBytes;

    /// <summary>A System.map: 4-8 MiB for a distribution kernel.</summary>
    public const long SystemMap = 256 << 20;

    /// <summary>Any one file copied into the capture initramfs (nkdump, libraries, modules, hooks): a cpio newc entry holds less than 4 GiB.</summary>
    public const long InitramfsInput = 1L << 30;

    /// <summary>
    /// What one ELF file (vmcore, vmlinux, kernel module, shared library) may ask the reader to
    /// allocate: every count and size read from the file is checked against these (and against the
    /// file's length) before anything is allocated for it.
    /// </summary>
    public static class Elf
    {
        /// <summary>Program headers: QEMU's paging dumps write one per mapped run, millions on a large guest.</summary>
        public const long ProgramHeaders = 1L << 24;

        /// <summary>Section headers: a vmlinux has about 40, a kernel module built with -ffunction-sections thousands.</summary>
        public const long Sections = 1L << 20;

        /// <summary>The section-name string table (.shstrtab): a few hundred bytes to a few hundred KiB.</summary>
        public const int SectionNameBytes = 16 << 20;

        /// <summary>A symbol table or its string table: a debug vmlinux's .symtab is some 10 MiB.</summary>
        public const int SymbolTableBytes = 512 << 20;

        /// <summary>Dynamic entries (Elf64_Dyn) in PT_DYNAMIC: a shared library has a few dozen.</summary>
        public const int DynamicEntries = 4096;

        /// <summary>DT_STRSZ, the dynamic string table: a few KiB in a shared library.</summary>
        public const int DynamicStringBytes = 16 << 20;

        /// <summary>PT_INTERP, the interpreter's path: PATH_MAX is 4096.</summary>
        public const int InterpreterBytes = 4096;
    }

    /// <summary>The dump formats' own structures (kdump, ELF core, flattened).</summary>
    public static class Dump
    {
        /// <summary>All ELF notes of one dump together: real ones are a few KiB per CPU.</summary>
        public const int NotesBytes = 64 << 20;

        /// <summary>The VMCOREINFO note: real ones are 3-5 KiB.</summary>
        public const int VmcoreInfoBytes = 1 << 20;

        /// <summary>One record of a flattened (makedumpfile -F) stream: makedumpfile writes at most a few MiB, larger is not from a real writer.</summary>
        public const long FlattenedRecordBytes = 1L << 30;

        /// <summary>Where a flattened record may place its bytes: no real dump reaches 2^50 (1 PiB).</summary>
        public const long FlattenedOffset = 1L << 50;

        /// <summary>
        /// 2^40 page frames: physical addresses of 52 bits (the most x86_64 defines, 4 PiB) in 4 KiB pages.
        /// A dump that describes more is refused as it is opened. Memory the collector allocates follows
        /// the pages present (<see cref="PfnBitmap"/> is sparse), so this bounds what a header may claim,
        /// not what a run costs.
        /// </summary>
        public const ulong PageFrames = 1UL << 40;

        /// <summary>The highest physical address plus one that an ELF segment may reach: <see cref="PageFrames"/> pages of 4 KiB.</summary>
        public const ulong PhysicalAddressEnd = PageFrames << 12;

        /// <summary>
        /// 2^34 frames, physical addresses below 2^46 (64 TiB: MAX_PHYSMEM_BITS of x86_64 with 4-level
        /// page tables, so every such machine fits): the largest max_mapnr of a kdump-compressed file
        /// nkdump writes. The format stores two bitmaps of max_mapnr bits however few pages are present,
        /// 2 GiB each at this limit; crash reads them whole into memory. Memory above it (a 5-level
        /// machine's, or a bogus segment's) goes into ELF output, which holds only the pages present.
        /// </summary>
        public const ulong KdumpMaxMapnr = 1UL << 34;
    }

    /// <summary>
    /// Counts and sizes read from the kernel's memory inside a dump (lists, tables, rings): a damaged
    /// or hostile dump must not make a walk run without end or a read ask for gigabytes.
    /// </summary>
    public static class Kernel
    {
        /// <summary>Loaded modules: a big server loads a few hundred; more means a damaged list.</summary>
        public const int Modules = 65536;

        /// <summary>Symbols of one module: the biggest in-tree modules have tens of thousands; more is damage.</summary>
        public const uint ModuleSymbols = 1 << 20;

        /// <summary>kallsyms_num_syms: a distribution kernel has about 200k symbols.</summary>
        public const uint KallsymsSymbols = 4_000_000;

        /// <summary>How much of the kernel image, from _stext, is searched for the kallsyms tables when VMCOREINFO does not name them.</summary>
        public const int KallsymsSearchBytes = 64 << 20;

        /// <summary>kallsyms_names, the compressed names: a few MiB on a distribution kernel.</summary>
        public const int KallsymsNamesBytes = 32 << 20;

        /// <summary>The kernel's BTF: vmlinux BTF is 4-8 MiB today.</summary>
        public const int BtfBytes = 256 << 20;

        /// <summary>The longest typedef/qualifier chain followed before giving up: guards cycles in hostile BTF.</summary>
        public const int BtfTypeChain = 64;

        /// <summary>ORC entries of one table: vmlinux has about 400k; a bigger table is damage.</summary>
        public const int OrcEntries = 8 * 1024 * 1024;

        /// <summary>Frames of one unwound trace: kernel stacks are 16 KiB and real traces far shorter.</summary>
        public const int UnwoundFrames = 256;

        /// <summary>Tasks walked: PID_MAX_LIMIT is 4M; a longer walk is a loop.</summary>
        public const int Tasks = 4 * 1024 * 1024;

        /// <summary>CPUs looked at: NR_CPUS on distribution kernels is at most 8192.</summary>
        public const int Cpus = 8192;

        /// <summary>Entries of taint_flags: the kernel has about 20; more is not a taint_flags table.</summary>
        public const int TaintFlags = 64;

        /// <summary>log_buf_len of the structured log_buf (3.5-5.9): LOG_BUF_LEN_MAX is 2^31, real buffers a few MiB; 256 MiB keeps a corrupt length from asking for gigabytes.</summary>
        public const uint LogBufBytes = 1u << 28;

        /// <summary>desc_ring.count_bits of the lockless printk ring (5.10+): CONFIG_LOG_BUF_SHIFT is at most 25, and count_bits is size_bits - 5.</summary>
        public const int PrintkDescriptorCountBits = 23;

        /// <summary>text_data_ring.size_bits: 2^28 is a log_buf_len= of 256 MiB, which would be extraordinary.</summary>
        public const int PrintkTextSizeBits = 28;

        /// <summary>The lockless ring's descriptor, info and text arrays, read whole, together: a log_buf_len= of 32 MiB needs 144 MiB (2^20 descriptors of 24 + 88 bytes, 32 MiB of text).</summary>
        public const long PrintkRingBytes = 256L << 20;

        /// <summary>A printk structure's size from VMCOREINFO: they are tens of bytes (printk_info, the largest, is 88 on 6.1).</summary>
        public const int PrintkStructBytes = 4096;

        /// <summary>Memory sections walked (mem_section): real kernels have at most 2^22; 2^(52-15) would be absurd.</summary>
        public const ulong MemSections = 1UL << 24;
    }
}
