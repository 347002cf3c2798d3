using Nkdump.Formats;

namespace Nkdump.Kernel.Tests.Synthetic;

/// <summary>
/// Wraps a real dump's physical memory to simulate damage: pages marked excluded, bytes patched.
/// </summary>
internal sealed class OverlayPhysicalMemory(IPhysicalMemory inner) : IPhysicalMemory
{
    private readonly HashSet<ulong> _excluded = [];
    private readonly Dictionary<ulong, byte> _patches = [];

    public int PageSize => inner.PageSize;

    public ulong MaxPfn => inner.MaxPfn;

    public IReadOnlyList<PfnRange> Ranges => inner.Ranges;

    public void Exclude(ulong physicalAddress) => _excluded.Add(physicalAddress / (ulong)PageSize);

    public void Patch(ulong physicalAddress, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            _patches[physicalAddress + (ulong)i] = bytes[i];
        }
    }

    public PageState GetPageState(ulong pfn) => _excluded.Contains(pfn) ? PageState.Excluded : inner.GetPageState(pfn);

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var first = physicalAddress / (ulong)PageSize;
        var last = (physicalAddress + (ulong)Math.Max(destination.Length, 1) - 1) / (ulong)PageSize;
        for (var pfn = first; pfn <= last; pfn++)
        {
            if (_excluded.Contains(pfn))
            {
                failure = new PhysicalReadFailure(pfn * (ulong)PageSize, PageState.Excluded);
                return false;
            }
        }

        if (!inner.TryRead(physicalAddress, destination, out failure))
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            if (_patches.TryGetValue(physicalAddress + (ulong)i, out var b))
            {
                destination[i] = b;
            }
        }

        return true;
    }
}
