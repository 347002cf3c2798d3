using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Nkdump.Formats;
using Nkdump.Kernel;
using Nkdump.Kernel.Memory;
using Nkdump.Kernel.Symbols;

namespace Nkdump.Collector.Debuginfo;

/// <summary>
/// makedumpfile -x without DWARF: the VMCOREINFO entries the page filter and the kernel layer use,
/// computed from a vmlinux's BTF and symbols and from the dump's own memory, then merged with the
/// dump's VMCOREINFO the way makedumpfile does (its READ_SYMBOL/READ_MEMBER_OFFSET/READ_NUMBER
/// macros only fill what -x left unset, so -x values win and the dump's fill the gaps).
/// Symbol addresses are relocated by KASLR: KERNELOFFSET from the dump's VMCOREINFO or, in a dump
/// without it, from /proc/vmcore's kernel-text PT_LOAD (p_vaddr is the running _text).
/// </summary>
internal static class VmlinuxVmcoreInfo
{
    /// <summary>x86_64 SECTION_SIZE_BITS (arch/x86/include/asm/sparsemem.h).</summary>
    private const int SectionSizeBits = 27;

    /// <summary>KERNEL_IMAGE_SIZE with CONFIG_RANDOMIZE_BASE, as distributions build (arch/x86/include/asm/page_64_types.h).</summary>
    private const long KaslrKernelImageSize = 1L << 30;

    public static VmcoreInfo Build(VmlinuxDebuginfo vmlinux, IKernelDump dump)
    {
        var fromDump = dump.VmcoreInfo;
        var buildId = vmlinux.BuildId;
        CheckBuildId(buildId, vmlinux, fromDump?.BuildId);
        var kernelOffset = KernelOffset(vmlinux, dump);
        var symbols = Relocated(vmlinux.Symbols, kernelOffset);
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var builder = new EntryWriter(entries, vmlinux.Types);

        // What the kernel layer needs to read memory: the page tables and the text map.
        builder.Raw("PAGESIZE", "4096");
        builder.Raw("KERNELOFFSET", kernelOffset.ToString("x", CultureInfo.InvariantCulture));
        builder.Symbol(symbols, "init_top_pgt");
        builder.Symbol(symbols, "swapper_pg_dir");
        builder.Symbol(symbols, "_stext");
        builder.Symbol(symbols, "init_uts_ns");
        if (fromDump?.Number("KERNEL_IMAGE_SIZE") is null)
        {
            builder.Raw("NUMBER(KERNEL_IMAGE_SIZE)", KaslrKernelImageSize.ToString(CultureInfo.InvariantCulture));
        }

        if (fromDump?.Number("phys_base") is null && DumpTextMap.First(dump) is { } text)
        {
            // phys_base as the text map's PT_LOAD places it (the kernel layer's one formula); without
            // that segment the layout searches memory for it (PhysBaseFinder).
            var physBase = unchecked((long)DumpTextMap.PhysBaseOf(text));
            builder.Raw("NUMBER(phys_base)", physBase.ToString(CultureInfo.InvariantCulture));
        }

        var kernel = KernelContext.Open(dump.Memory, Merge(entries, fromDump), symbols);

        // 4.17+ chooses 4- or 5-level paging at boot and records it in __pgtable_l5_enabled.
        var fiveLevel = symbols.TryGetAddress("__pgtable_l5_enabled", out var l5) && ReadText(kernel, l5, 4) is { } l5Bytes
            && BinaryPrimitives.ReadUInt32LittleEndian(l5Bytes) != 0;
        builder.Raw("NUMBER(pgtable_l5_enabled)", fiveLevel ? "1" : "0");
        if (fiveLevel)
        {
            kernel = KernelContext.Open(dump.Memory, Merge(entries, fromDump), symbols);
        }

        if (buildId is not null && fromDump?.BuildId is null && symbols.TryGetAddress("vmlinux_build_id", out var idAddress))
        {
            CheckBuildId(buildId, vmlinux, ReadText(kernel, idAddress, buildId.Length / 2) is { } id ? Convert.ToHexStringLower(id) : null);
        }

        builder.Offset("uts_namespace.name");
        var session = KernelSession.For(dump, new KernelSessionOptions { VmcoreInfo = Merge(entries, fromDump) });
        var release = session.Utsname?.Release
            ?? throw new NkdumpException($"-x {vmlinux.Path}: cannot learn the kernel release: {session.UtsnameProblem}");
        builder.Raw("OSRELEASE", release);
        var version = ParseVersion(release);
        if (version.CompareTo((4, 18)) < 0)
        {
            throw new NkdumpException($"-x {vmlinux.Path}: kernel {release} predates 4.18, whose page-type encoding nkdump derives; give -i VMCOREINFO instead");
        }

        // SPARSEMEM: x86_64 always has SPARSEMEM_EXTREME (mm/Kconfig), and since 4.15 mem_section is a
        // pointer to the roots allocated at boot (commit 83e3c48729d9): VMCOREINFO gives its value.
        var maxPhysmemBits = fiveLevel ? 52 : 46; // MAX_PHYSMEM_BITS, follows the paging mode since 4.17
        builder.Raw("NUMBER(SECTION_SIZE_BITS)", SectionSizeBits.ToString(CultureInfo.InvariantCulture));
        builder.Raw("NUMBER(MAX_PHYSMEM_BITS)", maxPhysmemBits.ToString(CultureInfo.InvariantCulture));
        var memSectionSize = builder.Size("mem_section");
        builder.Offset("mem_section.section_mem_map");
        if (symbols.TryGetAddress("mem_section", out var memSection))
        {
            builder.Raw("SYMBOL(mem_section)", Hex(kernel.Memory.ReadPointer(memSection, "mem_section")));
            if (memSectionSize is > 0)
            {
                // NR_SECTION_ROOTS = NR_MEM_SECTIONS / SECTIONS_PER_ROOT (include/linux/mmzone.h).
                var roots = (1L << (maxPhysmemBits - SectionSizeBits)) / (4096 / memSectionSize.Value);
                builder.Raw("LENGTH(mem_section)", roots.ToString(CultureInfo.InvariantCulture));
            }
        }

        // CONFIG_RANDOMIZE_MEMORY (4.8+): the vmemmap base is a variable (VMCOREINFO's SYMBOL(vmemmap) is its value).
        if (symbols.TryGetAddress("vmemmap_base", out var vmemmapBase))
        {
            builder.Raw("SYMBOL(vmemmap)", Hex(kernel.Memory.ReadUInt64(vmemmapBase, "vmemmap_base")));
        }

        builder.Size("page");
        foreach (var member in PageMembers)
        {
            builder.Offset(member);
        }

        builder.Offset("list_head.next");
        builder.Offset("list_head.prev");
        builder.Length("zone.free_area");
        StructPageNumbers.Add(builder, vmlinux.Types, version);
        KernelLogEntries.Add(builder, vmlinux.Types, symbols);
        return Merge(entries, fromDump);
    }

    /// <summary>The struct page and folio members the classifier reads; absent ones (another kernel version) are left out.</summary>
    private static readonly string[] PageMembers =
    [
        "page.flags", "page._refcount", "page._count", "page.mapping", "page.lru", "page._mapcount", "page.private",
        "page.compound_head", "page.compound_dtor", "page.compound_order", "folio._folio_dtor", "folio._folio_order",
    ];

    /// <summary>
    /// -x or -i entries, then the dump's VMCOREINFO for every key they lack (makedumpfile's READ_*
    /// macros in makedumpfile.h only fill entries still unset).
    /// </summary>
    public static VmcoreInfo Merge(IReadOnlyDictionary<string, string> entries, VmcoreInfo? fromDump)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in entries)
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        foreach (var (key, value) in fromDump?.Entries ?? new Dictionary<string, string>())
        {
            if (!entries.ContainsKey(key))
            {
                text.Append(key).Append('=').Append(value).Append('\n');
            }
        }

        return VmcoreInfo.Parse(Encoding.ASCII.GetBytes(text.ToString()));
    }

    /// <summary>
    /// The KASLR slide: the dump's KERNELOFFSET (makedumpfile's find_kaslr_offsets), or else the
    /// kernel-text PT_LOAD of an ELF vmcore, whose p_vaddr is the running kernel's _text (the kernel's
    /// crash_prepare_elf64_headers and kexec-tools both describe the text map that way).
    /// </summary>
    private static ulong KernelOffset(VmlinuxDebuginfo vmlinux, IKernelDump dump)
    {
        if (dump.VmcoreInfo?.KernelOffset is { } offset)
        {
            return offset;
        }

        if (!vmlinux.Symbols.TryGetAddress("_text", out var text))
        {
            throw new NkdumpException($"{vmlinux.Symbols.Source}: no _text symbol to place the kernel image");
        }

        if (DumpTextMap.First(dump) is not { } textMap || textMap.VirtualAddress < text || ((textMap.VirtualAddress - text) & 0xfff) != 0
            || textMap.VirtualAddress - text >= KaslrKernelImageSize)
        {
            throw new NkdumpException($"{dump.Path}: neither VMCOREINFO's KERNELOFFSET nor a kernel-text PT_LOAD tells where KASLR put the kernel");
        }

        return textMap.VirtualAddress - text;
    }

    private static SymbolTable Relocated(SymbolTable symbols, ulong kernelOffset) =>
        new(symbols.Source, symbols.Symbols.Select(s => s with { Address = SystemMapReader.Relocate(s.Address, kernelOffset) }));

    /// <summary>Reads kernel-image bytes through the text map (no page tables needed).</summary>
    private static byte[]? ReadText(KernelContext kernel, ulong address, int length)
    {
        var bytes = new byte[length];
        return kernel.Physical.TryRead(kernel.Layout.TextToPhysical(address), bytes, out _) ? bytes : null;
    }

    /// <summary>
    /// Refuses a vmlinux of another build: its build ID must be the dump's, from VMCOREINFO's BUILD-ID
    /// or the kernel's own vmlinux_build_id (both since 5.9, lib/buildid.c). Without either, or with a
    /// vmlinux that has no build ID, nothing can be checked.
    /// </summary>
    private static void CheckBuildId(string? ours, VmlinuxDebuginfo vmlinux, string? theirs)
    {
        if (ours is not null && theirs is not null && !string.Equals(theirs, ours, StringComparison.OrdinalIgnoreCase))
        {
            throw new NkdumpException($"-x {vmlinux.Path}: build ID {ours} is not the crashed kernel's ({theirs}): give its own vmlinux");
        }
    }

    /// <summary>init_uts_ns.name.release of the crashed kernel.</summary>
    internal static (int Major, int Minor) ParseVersion(string release)
    {
        var parts = release.Split('.', '-', '+');
        return parts.Length >= 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var minor)
            ? (major, minor)
            : throw new NkdumpException($"cannot parse the kernel release '{release}'");
    }

    private static string Hex(ulong value) => value.ToString("x", CultureInfo.InvariantCulture);
}
