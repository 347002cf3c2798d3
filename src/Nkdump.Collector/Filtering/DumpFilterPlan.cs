using Nkdump.Formats;
using Nkdump.Kernel;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// Everything needed to decide which page frames a dump keeps: the frames memory has, and the page
/// filter for the level. Built once per input; <see cref="Fill"/> computes the kept set window by window.
/// </summary>
public sealed class DumpFilterPlan
{
    private readonly PageFilter? _filter;
    private readonly IPhysicalMemory _memory;
    private readonly WindowedPhysicalMemory? _filterMemory;
    private readonly bool _zeroHasNoData;

    private DumpFilterPlan(IPhysicalMemory memory, PageFilter? filter, bool zeroHasNoData, DumpLevel level, WindowedPhysicalMemory? filterMemory = null)
    {
        _memory = memory;
        _filterMemory = filterMemory;
        _filter = filter;
        _zeroHasNoData = zeroHasNoData;
        Level = level;
    }

    public DumpLevel Level { get; }

    public FilterStatistics Statistics => _filter?.Statistics ?? new FilterStatistics();

    /// <summary>
    /// Plans the filtering of <paramref name="dump"/> at <paramref name="level"/>. Levels 0 and 1 need
    /// no kernel knowledge (zero pages are found by reading them), so a dump without VMCOREINFO can
    /// still be copied; any other level needs VMCOREINFO to read struct page.
    /// </summary>
    public static DumpFilterPlan Create(IKernelDump dump, DumpLevel level, VmcoreInfo? vmcoreInfoOverride = null)
    {
        var info = vmcoreInfoOverride ?? dump.VmcoreInfo;
        var zeroHasNoData = dump.Format == DumpFormat.Elf;
        if (info is null)
        {
            if ((level & ~DumpLevel.Zero) != 0)
            {
                throw new NkdumpException($"{dump.Path}: no VMCOREINFO, so dump level {(int)level} cannot be applied (only 0 and 1 work without it; or give -i VMCOREINFO, or -x VMLINUX with the kernel's .BTF)");
            }

            return new DumpFilterPlan(dump.Memory, null, zeroHasNoData, level);
        }

        // Kernel structures (page tables, mem_map sections, struct pages) are read through a mapped
        // window, not with read(2) page by page (see WindowedPhysicalMemory).
        var filterMemory = new WindowedPhysicalMemory(dump.Memory);
        var kernel = KernelContext.Open(filterMemory, info);
        var sections = MemMapLocator.Locate(kernel.Memory, info, dump.Memory.MaxPfn);
        filterMemory.CloseView();
        var classifier = new PageClassifier(StructPageLayout.FromVmcoreInfo(info), level);
        return new DumpFilterPlan(dump.Memory, new PageFilter(kernel.Memory, sections, classifier, zeroHasNoData), zeroHasNoData, level, filterMemory);
    }

    /// <summary>The frames that exist in the crashed machine (the first kdump bitmap).</summary>
    public PfnBitmap Present()
    {
        var present = new PfnBitmap(_memory.MaxPfn);
        foreach (var range in _memory.Ranges)
        {
            present.SetRange(range.StartPfn, range.EndPfn);
        }

        return present;
    }

    /// <summary>The frames the dump keeps (the second kdump bitmap), filled in windows of <paramref name="windowPages"/>.</summary>
    public PfnBitmap Kept(ulong windowPages)
    {
        var kept = new PfnBitmap(_memory.MaxPfn);
        if (_filter is null)
        {
            PageFilter.KeepFramesWithData(_memory, kept, 0, kept.Bits, _zeroHasNoData);
            return kept;
        }

        windowPages = Math.Max(PageFilter.BatchPages, windowPages / PageFilter.BatchPages * PageFilter.BatchPages);
        try
        {
            // Windows without memory are skipped: between memory at 0 and at 2^48 lie 2^16 windows of
            // 4 GiB with nothing to filter (more with a small --cyclic-buffer).
            var ranges = _memory.Ranges;
            for (ulong start = 0; start < kept.Bits;)
            {
                _filter.Fill(kept, start, start + windowPages);
                var next = PageFilter.FirstRangeEndingAfter(ranges, start + windowPages);
                start = next < ranges.Count
                    ? Math.Max(start + windowPages, ranges[next].StartPfn / windowPages * windowPages)
                    : kept.Bits;
            }
        }
        finally
        {
            _filterMemory?.CloseView();
        }

        return kept;
    }
}
