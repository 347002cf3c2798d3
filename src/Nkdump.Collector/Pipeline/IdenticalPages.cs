using System.IO.Hashing;
using Nkdump.Formats;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// Pages stored so far, by the hash of their bytes, so that a later page with the same bytes is
/// stored as a pointer to them instead of compressed and written again.
/// <para>
/// A third of the non-zero pages of the fixtures' crashed kernels repeat an earlier page (one
/// pattern thousands of times). The kdump-compressed format allows it: a page's bytes are found
/// through its descriptor alone (offset, size, flags), and makedumpfile already points every zero
/// page at one shared zero page, which crash, libkdumpfile and makedumpfile all read.
/// </para>
/// <para>
/// The ordered writer alone decides (<see cref="Slot"/>, <see cref="Remember"/>), in PFN order, so the
/// output does not depend on the workers' timing; a worker only looks ahead (<see cref="FindEarlier"/>)
/// to skip compressing a page the writer will point elsewhere. A hash match is never trusted: the
/// bytes are compared with the earlier page read again from the source. The table has a fixed
/// number of slots (a slot keeps the latest page stored with its hash bits), so memory is bounded
/// whatever the dump's size.
/// </para>
/// </summary>
public sealed class IdenticalPages(IPhysicalMemory source)
{
    /// <summary>32768 slots: 256 KiB of references, about 2 MiB when all hold a page.</summary>
    private const int Slots = 1 << 15;

    private readonly Entry?[] _slots = new Entry?[Slots];

    /// <summary>A stored page: its hash, its frame, where its bytes are.</summary>
    public sealed record Entry(ulong Hash, ulong Pfn, StoredPageLocation Location);

    public static ulong Hash(ReadOnlySpan<byte> page) => XxHash3.HashToUInt64(page);

    /// <summary>The page stored last in <paramref name="hash"/>'s slot (any thread; the writer may replace it at any time).</summary>
    public Entry? Slot(ulong hash) => Volatile.Read(ref _slots[hash & (Slots - 1)]);

    /// <summary>Writer only, in PFN order: <paramref name="pfn"/>'s bytes are now at <paramref name="location"/>.</summary>
    public void Remember(ulong hash, ulong pfn, StoredPageLocation location) =>
        Volatile.Write(ref _slots[hash & (Slots - 1)], new Entry(hash, pfn, location));

    /// <summary>
    /// An earlier stored page whose bytes equal <paramref name="page"/>'s (checked byte for byte,
    /// through <paramref name="scratch"/>, one page), or null.
    /// </summary>
    public Entry? FindEarlier(ulong hash, ReadOnlySpan<byte> page, Span<byte> scratch) =>
        Slot(hash) is { } entry && entry.Hash == hash && HasBytes(entry.Pfn, page, scratch) ? entry : null;

    /// <summary>
    /// One worker's look for an earlier identical page: in the writer's table, and among the pages
    /// this worker itself encoded lately (the writer stores each of them before any later page, so a
    /// copy of one finds it there, most often in the same chunk, before the writer has seen either).
    /// </summary>
    public sealed class Lookahead(IdenticalPages table, int pageSize)
    {
        private const int RecentSlots = 4096;
        private readonly ulong[] _recentHashes = new ulong[RecentSlots];
        private readonly ulong[] _recentPfnsPlusOne = new ulong[RecentSlots];
        private readonly byte[] _scratch = new byte[pageSize];

        /// <summary>
        /// True when an earlier page holds the same bytes as page <paramref name="pfn"/>;
        /// <paramref name="match"/> is the writer's entry when the table had it. Otherwise the page
        /// is remembered as encoded by this worker.
        /// </summary>
        public bool FindEarlier(ulong hash, ulong pfn, ReadOnlySpan<byte> page, out Entry? match)
        {
            match = table.FindEarlier(hash, page, _scratch);
            if (match is not null)
            {
                return true;
            }

            var slot = (int)(hash & (RecentSlots - 1));
            var recent = _recentPfnsPlusOne[slot];
            if (recent != 0 && _recentHashes[slot] == hash && recent - 1 < pfn && table.HasBytes(recent - 1, page, _scratch))
            {
                return true;
            }

            _recentHashes[slot] = hash;
            _recentPfnsPlusOne[slot] = pfn + 1;
            return false;
        }
    }

    /// <summary>True when page <paramref name="pfn"/> of the source holds exactly <paramref name="page"/>.</summary>
    public bool HasBytes(ulong pfn, ReadOnlySpan<byte> page, Span<byte> scratch) =>
        source.TryRead(pfn * (ulong)page.Length, scratch[..page.Length], out _) && scratch[..page.Length].SequenceEqual(page);
}
