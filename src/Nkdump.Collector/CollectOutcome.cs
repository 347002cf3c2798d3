using Nkdump.Collector.Filtering;

namespace Nkdump.Collector;

/// <summary>What a collection did: pages written, zero pages shared, what the filter excluded.</summary>
public sealed record CollectOutcome(long PagesWritten, long ZeroPages, long PagesInDump, FilterStatistics Filter, long PartialPages = 0);
