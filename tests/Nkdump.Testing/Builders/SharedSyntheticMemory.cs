using Nkdump.Formats;

namespace Nkdump.Testing.Builders;

/// <summary>
/// A <see cref="SyntheticMemory"/> that says its reads may run on several threads at once (true: they
/// only read a dictionary nobody writes after set-up), so the collector's workers read it themselves.
/// </summary>
internal sealed class SharedSyntheticMemory(SyntheticMemory memory) : IPhysicalMemory
{
    public int PageSize => memory.PageSize;
    public ulong MaxPfn => memory.MaxPfn;
    public IReadOnlyList<PfnRange> Ranges => memory.Ranges;
    public bool ConcurrentReads => true;
    public PageState GetPageState(ulong pfn) => memory.GetPageState(pfn);
    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure) => memory.TryRead(physicalAddress, destination, out failure);
}
