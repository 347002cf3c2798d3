using System.Buffers.Binary;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Memory;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// Finds where the crashed kernel keeps struct page for each page frame. x86_64 kernels use
/// SPARSEMEM (with SPARSEMEM_EXTREME since 2.6.24): mem_section is an array of roots, each root a
/// page-sized array of struct mem_section whose section_mem_map holds the section's mem_map,
/// encoded as (mem_map - first pfn of the section) with flag bits below bit 5
/// (include/linux/mmzone.h; SECTION_MAP_LAST_BIT was bit 2 before 4.13, bits 2-4 were never set
/// before it, so one mask serves every version). FLATMEM kernels export SYMBOL(mem_map) instead.
/// </summary>
internal static class MemMapLocator
{
    private const ulong SectionMarkedPresent = 1;
    private const ulong SectionMapMask = ~((1UL << 5) - 1);

    public static IReadOnlyList<MemMapSection> Locate(KernelMemory memory, VmcoreInfo info, ulong maxPfn)
    {
        if (info.Symbol("mem_section") is { } memSection)
        {
            return LocateSparse(memory, info, memSection, maxPfn);
        }

        if (info.Symbol("mem_map") is { } memMapSymbol)
        {
            // FLATMEM: one mem_map for every frame.
            var memMap = memory.ReadPointer(memMapSymbol, "mem_map");
            return [new MemMapSection(0, maxPfn, memMap)];
        }

        throw new NkdumpException("VMCOREINFO has neither SYMBOL(mem_section) nor SYMBOL(mem_map): cannot find struct page");
    }

    private static IReadOnlyList<MemMapSection> LocateSparse(KernelMemory memory, VmcoreInfo info, ulong memSection, ulong maxPfn)
    {
        var pageSize = (ulong)memory.Physical.PageSize;
        var pageShift = System.Numerics.BitOperations.Log2(pageSize);
        var sectionSizeBits = info.Number("SECTION_SIZE_BITS") ?? throw new NkdumpException("VMCOREINFO lacks NUMBER(SECTION_SIZE_BITS)");
        var maxPhysmemBits = info.Number("MAX_PHYSMEM_BITS") ?? throw new NkdumpException("VMCOREINFO lacks NUMBER(MAX_PHYSMEM_BITS)");
        var sectionSize = info.Size("mem_section") ?? throw new NkdumpException("VMCOREINFO lacks SIZE(mem_section)");
        var mapOffset = info.Offset("mem_section.section_mem_map") ?? 0;
        var structPageSize = (ulong)(info.Size("page") ?? throw new NkdumpException("VMCOREINFO lacks SIZE(page)"));
        if (sectionSizeBits <= pageShift || sectionSizeBits > 40 || maxPhysmemBits < sectionSizeBits || maxPhysmemBits > 57
            || sectionSize < 8 || sectionSize > (long)pageSize || mapOffset < 0 || mapOffset + 8 > sectionSize)
        {
            throw new NkdumpException("VMCOREINFO's SPARSEMEM numbers are implausible (SECTION_SIZE_BITS, MAX_PHYSMEM_BITS, SIZE(mem_section))");
        }

        var pagesPerSection = 1UL << (int)(sectionSizeBits - pageShift);
        var totalSections = 1UL << (int)(maxPhysmemBits - sectionSizeBits);
        var sectionsNeeded = Math.Min((maxPfn + pagesPerSection - 1) / pagesPerSection, totalSections);
        if (sectionsNeeded > InputLimits.Kernel.MemSections)
        {
            throw new NkdumpException($"the dump describes {sectionsNeeded} memory sections, more than nkdump accepts ({InputLimits.Kernel.MemSections})");
        }

        // SPARSEMEM_EXTREME: LENGTH(mem_section) is the number of roots, each root one page of sections.
        var perRoot = pageSize / (ulong)sectionSize;
        var roots = info.Length("mem_section") is { } length ? (ulong)length : 0;
        var extreme = roots > 0 && roots == (totalSections + perRoot - 1) / perRoot;
        var sections = new List<MemMapSection>();
        Span<byte> entry = stackalloc byte[8];
        ulong currentRoot = ulong.MaxValue;
        ulong rootAddress = 0;
        for (ulong nr = 0; nr < sectionsNeeded; nr++)
        {
            ulong sectionAddress;
            if (extreme)
            {
                var root = nr / perRoot;
                if (root != currentRoot)
                {
                    currentRoot = root;
                    rootAddress = memory.TryReadUInt64(memSection + root * 8, out var value, out _) ? value : 0;
                }

                if (rootAddress == 0)
                {
                    continue;
                }

                sectionAddress = rootAddress + (nr % perRoot) * (ulong)sectionSize;
            }
            else
            {
                sectionAddress = memSection + nr * (ulong)sectionSize;
            }

            if (!memory.TryRead(sectionAddress + (ulong)mapOffset, entry, out _))
            {
                continue;
            }

            var coded = BinaryPrimitives.ReadUInt64LittleEndian(entry);
            if ((coded & SectionMarkedPresent) == 0)
            {
                continue;
            }

            var startPfn = nr * pagesPerSection;
            var memMap = unchecked((coded & SectionMapMask) + startPfn * structPageSize);
            sections.Add(new MemMapSection(startPfn, Math.Min(startPfn + pagesPerSection, maxPfn), memMap));
        }

        return sections;
    }
}
