using Nkdump.Formats;

namespace Nkdump.Testing.Builders;

/// <summary>
/// A real dump's memory with damage applied: bytes overwritten at physical addresses, or whole pages
/// reported as excluded. Models what a crashed kernel's corrupted lists or a filtered dump look like.
/// </summary>
internal sealed class PatchedMemory(IPhysicalMemory inner) : IPhysicalMemory
{
    private readonly Dictionary<ulong, byte> _bytes = [];
    private readonly HashSet<ulong> _excluded = [];

    public int PageSize => inner.PageSize;

    public ulong MaxPfn => inner.MaxPfn;

    public IReadOnlyList<PfnRange> Ranges => inner.Ranges;

    public void Write(ulong physicalAddress, ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            _bytes[physicalAddress + (ulong)i] = bytes[i];
        }
    }

    public void WriteUInt64(ulong physicalAddress, ulong value) => Write(physicalAddress, BitConverter.GetBytes(value));

    public void Exclude(ulong pfn) => _excluded.Add(pfn);

    public PageState GetPageState(ulong pfn) => _excluded.Contains(pfn) ? PageState.Excluded : inner.GetPageState(pfn);

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var size = (ulong)PageSize;
        for (var page = physicalAddress / size; page <= (physicalAddress + (ulong)Math.Max(destination.Length - 1, 0)) / size; page++)
        {
            if (_excluded.Contains(page))
            {
                failure = new PhysicalReadFailure(Math.Max(page * size, physicalAddress), PageState.Excluded);
                return false;
            }
        }

        if (!inner.TryRead(physicalAddress, destination, out failure))
        {
            return false;
        }

        for (var i = 0; i < destination.Length; i++)
        {
            if (_bytes.TryGetValue(physicalAddress + (ulong)i, out var value))
            {
                destination[i] = value;
            }
        }

        return true;
    }
}
