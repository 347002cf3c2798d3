using Nkdump.Formats;

namespace Nkdump.Collector.Filtering;

/// <summary>
/// A view of physical memory that holds only the kept page frames: everything else reads as
/// excluded. With <paramref name="dropZeroPages"/> (dump level 1 for ELF output, which has no
/// shared zero page) all-zero pages are excluded too, which means reading them to find out.
/// </summary>
public sealed class FilteredMemory(IPhysicalMemory inner, PfnBitmap kept, bool dropZeroPages) : IPhysicalMemory
{
    private readonly byte[] _probe = new byte[inner.PageSize];

    // Writers ask for a page's state and then read it: remember the last answer, so that deciding
    // whether a page is all zeros reads it once, not twice.
    private ulong _lastPfn = ulong.MaxValue;
    private PageState _lastState;

    public int PageSize => inner.PageSize;

    public ulong MaxPfn => inner.MaxPfn;

    public IReadOnlyList<PfnRange> Ranges => inner.Ranges;

    public PageState GetPageState(ulong pfn)
    {
        if (pfn != _lastPfn)
        {
            _lastState = Decide(pfn);
            _lastPfn = pfn;
        }

        return _lastState;
    }

    private PageState Decide(ulong pfn)
    {
        var state = inner.GetPageState(pfn);
        if (state is PageState.NotInDump)
        {
            return state;
        }

        if (!kept[pfn])
        {
            return PageState.Excluded;
        }

        if (dropZeroPages && (state == PageState.Zero
            || (inner.TryRead(pfn * (ulong)PageSize, _probe, out _) && !_probe.AsSpan().ContainsAnyExcept((byte)0))))
        {
            return PageState.Excluded;
        }

        return state;
    }

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var shift = System.Numerics.BitOperations.Log2((uint)PageSize);
        var last = destination.IsEmpty ? physicalAddress : physicalAddress + (ulong)destination.Length - 1;
        for (var pfn = physicalAddress >> shift; pfn <= last >> shift; pfn++)
        {
            var state = GetPageState(pfn);
            if (state is PageState.Excluded or PageState.NotInDump)
            {
                failure = new PhysicalReadFailure(Math.Max(physicalAddress, pfn << shift), state);
                return false;
            }
        }

        return inner.TryRead(physicalAddress, destination, out failure);
    }
}
