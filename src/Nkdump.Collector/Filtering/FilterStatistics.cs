namespace Nkdump.Collector.Filtering;

/// <summary>How many page frames each rule excluded, as makedumpfile reports them at the end of a run.</summary>
public sealed class FilterStatistics
{
    private readonly ulong[] _byClass = new ulong[Enum.GetValues<PageClass>().Length];

    /// <summary>Frames whose struct page could not be read; they are kept, since nothing says they may go.</summary>
    public ulong UnreadableStructPages { get; internal set; }

    public ulong this[PageClass pageClass] => _byClass[(int)pageClass];

    internal void Add(PageClass pageClass, ulong count) => _byClass[(int)pageClass] += count;
}
