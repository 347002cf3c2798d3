using Nkdump.Formats;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// A dump's physical memory as the filter reads it: through one mapped window of the dump where it
/// is mapped (<see cref="IPhysicalMemory.OpenPageView"/>), else as the dump itself reads.
/// <para>
/// Why: read(2) of /proc/vmcore maps and unmaps the old memory one 4 KiB page at a time (x86's
/// copy_oldmem_page: ioremap_cache, copy, then iounmap after set_iounmap_nonlazy, so every page costs a
/// kernel TLB flush), and the filter reads the struct pages of the whole crashed machine: 64 bytes
/// per page frame, 64 MiB per 4 GiB of RAM, 16,384 such round trips. A window of /proc/vmcore is
/// mapped once per 4 MiB (remap_pfn_range). makedumpfile reads struct pages through its mmap
/// windows too.
/// </para>
/// For one thread (the filter's); the window is unmapped by <see cref="CloseView"/> and mapped again
/// by the next read.
/// </summary>
public sealed class WindowedPhysicalMemory(IPhysicalMemory inner) : IPhysicalMemory
{
    private IPageView? _view;
    private bool _viewTried;

    public int PageSize => inner.PageSize;

    public ulong MaxPfn => inner.MaxPfn;

    public IReadOnlyList<PfnRange> Ranges => inner.Ranges;

    public PageState GetPageState(ulong pfn) => inner.GetPageState(pfn);

    public ulong SameStateEnd(ulong pfn) => inner.SameStateEnd(pfn);

    public IEnumerable<ulong> PartialPages => inner.PartialPages;

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var pageSize = (ulong)inner.PageSize;
        while (!destination.IsEmpty)
        {
            var offset = (int)(physicalAddress % pageSize);
            var count = Math.Min(destination.Length, (int)pageSize - offset);
            if (View() is { } view && view.TryGetPage(physicalAddress / pageSize, out var page))
            {
                page.Slice(offset, count).CopyTo(destination);
            }
            else if (!inner.TryRead(physicalAddress, destination[..count], out failure))
            {
                // Not plain file data (a zero-filled tail, a hole, a cut-off page): the dump says what.
                return false;
            }

            destination = destination[count..];
            physicalAddress += (ulong)count;
        }

        failure = default;
        return true;
    }

    /// <summary>Unmaps the window (the filter is done with it for now).</summary>
    public void CloseView()
    {
        _view?.Dispose();
        _view = null;
        _viewTried = false;
    }

    private IPageView? View()
    {
        if (!_viewTried)
        {
            _view = inner.OpenPageView();
            _viewTried = true;
        }

        return _view;
    }
}
