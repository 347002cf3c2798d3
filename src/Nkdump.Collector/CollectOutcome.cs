using Nkdump.Collector.Filtering;

namespace Nkdump.Collector;

/// <summary>
/// What a collection did: pages written, zero pages shared, what the filter excluded; and, when a
/// capture budget cut the dump short (<see cref="PagesWritten"/> &lt; <see cref="PagesInDump"/>, the
/// file marked incomplete), why.
/// </summary>
public sealed record CollectOutcome(long PagesWritten, long ZeroPages, long PagesInDump, FilterStatistics Filter, long PartialPages = 0, string? StoppedBy = null)
{
    /// <summary>True when the budget stopped the collection before every page was written.</summary>
    public bool Incomplete => StoppedBy is not null;
}
