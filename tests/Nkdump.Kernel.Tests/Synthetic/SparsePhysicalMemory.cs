using Nkdump.Formats;

namespace Nkdump.Kernel.Tests.Synthetic;

/// <summary>
/// An in-memory physical memory for unit tests: pages exist only where written; pages can be
/// marked excluded. Reads of missing pages fail like a real dump's, never as zeros.
/// </summary>
internal sealed class SparsePhysicalMemory(ulong maxPfn) : IPhysicalMemory
{
    private readonly Dictionary<ulong, byte[]> _pages = [];
    private readonly HashSet<ulong> _excluded = [];

    public int PageSize => 4096;

    public ulong MaxPfn { get; } = maxPfn;

    public IReadOnlyList<PfnRange> Ranges => [new PfnRange(0, MaxPfn)];

    public int Reads { get; private set; }

    public PageState GetPageState(ulong pfn) =>
        _excluded.Contains(pfn) ? PageState.Excluded : _pages.ContainsKey(pfn) ? PageState.Present : PageState.NotInDump;

    public void Exclude(ulong physicalAddress) => _excluded.Add(physicalAddress >> 12);

    /// <summary>The pages written so far, in pfn order (to lay them out as a dump file's segments).</summary>
    public IEnumerable<(ulong Pfn, byte[] Bytes)> WrittenPages => _pages.OrderBy(p => p.Key).Select(p => (p.Key, p.Value));

    public byte[] Page(ulong pfn)
    {
        if (!_pages.TryGetValue(pfn, out var page))
        {
            _pages[pfn] = page = new byte[PageSize];
        }

        return page;
    }

    public void Write(ulong physicalAddress, ReadOnlySpan<byte> bytes)
    {
        var done = 0;
        while (done < bytes.Length)
        {
            var address = physicalAddress + (ulong)done;
            var offset = (int)(address & 4095);
            var take = Math.Min(PageSize - offset, bytes.Length - done);
            bytes.Slice(done, take).CopyTo(Page(address >> 12).AsSpan(offset));
            done += take;
        }
    }

    public void WriteUInt64(ulong physicalAddress, ulong value) => Write(physicalAddress, BitConverter.GetBytes(value));

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        Reads++;
        var done = 0;
        while (done < destination.Length)
        {
            var address = physicalAddress + (ulong)done;
            var pfn = address >> 12;
            var state = GetPageState(pfn);
            if (state != PageState.Present)
            {
                failure = new PhysicalReadFailure(address & ~4095UL, state);
                return false;
            }

            var offset = (int)(address & 4095);
            var take = Math.Min(PageSize - offset, destination.Length - done);
            _pages[pfn].AsSpan(offset, take).CopyTo(destination.Slice(done, take));
            done += take;
        }

        failure = default;
        return true;
    }
}
