using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
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
/// output does not depend on the workers' timing; a worker only looks ahead (<see cref="Lookahead.FindEarlier"/>)
/// to skip compressing a page the writer will point elsewhere. A hash match is never trusted: the
/// bytes are compared with the earlier page read again from the source. The table has a fixed
/// number of slots (a slot keeps the latest page stored with its hash bits), so memory is bounded
/// whatever the dump's size.
/// </para>
/// </summary>
internal sealed class IdenticalPages(IPhysicalMemory source)
{
    private readonly IPhysicalMemory _source = source;

    /// <summary>32768 slots: 256 KiB of references, about 2 MiB when all hold a page.</summary>
    private const int Slots = 1 << 15;

    private readonly Entry?[] _slots = new Entry?[Slots];

    /// <summary>A stored page: its hash, its frame, where its bytes are.</summary>
    public sealed record Entry(ulong Hash, ulong Pfn, StoredPageLocation Location);

    /// <summary>
    /// A 64-bit hash of a page: CRC32C in three interleaved lanes where the CPU has the instruction
    /// (SSE4.2; a few times faster than XxHash3 here, and a match is always checked byte for byte,
    /// so only the spread matters), else XxHash3.
    /// </summary>
    public static ulong Hash(ReadOnlySpan<byte> page)
    {
        if (!Sse42.X64.IsSupported || page.Length % sizeof(ulong) != 0)
        {
            return XxHash3.HashToUInt64(page);
        }

        var words = MemoryMarshal.Cast<byte, ulong>(page);
        ulong a = 0x9E3779B9, b = 0x85EBCA6B, c = 0xC2B2AE35;
        var i = 0;
        for (; i + 3 <= words.Length; i += 3)
        {
            a = Sse42.X64.Crc32(a, words[i]);
            b = Sse42.X64.Crc32(b, words[i + 1]);
            c = Sse42.X64.Crc32(c, words[i + 2]);
        }

        for (; i < words.Length; i++)
        {
            a = Sse42.X64.Crc32(a, words[i]);
        }

        return (a << 32 | b) ^ (c * 0x9E3779B97F4A7C15UL);
    }

    /// <summary>The page stored last in <paramref name="hash"/>'s slot (any thread; the writer may replace it at any time).</summary>
    public Entry? Slot(ulong hash) => Volatile.Read(ref _slots[hash & (Slots - 1)]);

    /// <summary>Writer only, in PFN order: <paramref name="pfn"/>'s bytes are now at <paramref name="location"/>.</summary>
    public void Remember(ulong hash, ulong pfn, StoredPageLocation location) =>
        Volatile.Write(ref _slots[hash & (Slots - 1)], new Entry(hash, pfn, location));

    /// <summary>
    /// One worker's look for an earlier identical page: in the writer's table, and among the pages
    /// this worker itself encoded lately (the writer stores each of them before any later page, so a
    /// copy of one finds it there, most often in the same chunk, before the writer has seen either).
    /// </summary>
    internal sealed class Lookahead(IdenticalPages table, int pageSize) : IDisposable
    {
        private const int RecentSlots = 4096;
        private readonly ulong[] _recentHashes = new ulong[RecentSlots];
        private readonly ulong[] _recentPfnsPlusOne = new ulong[RecentSlots];
        private readonly byte[] _scratch = new byte[pageSize];

        // Earlier pages are compared where they lie, through a view of their own (the worker's view
        // holds the page being encoded); a pread per comparison cost more than the compressing saved.
        private readonly IPageView? _earlierPages = table._source.OpenPageView(scattered: true);

        /// <summary>
        /// True when an earlier page holds the same bytes as page <paramref name="pfn"/>;
        /// <paramref name="match"/> is the writer's entry when the table had it. Otherwise the page
        /// is remembered as encoded by this worker.
        /// </summary>
        public bool FindEarlier(ulong hash, ulong pfn, ReadOnlySpan<byte> page, out Entry? match)
        {
            match = table.Slot(hash) is { } entry && entry.Hash == hash && table.HasBytes(entry.Pfn, page, _earlierPages, _scratch) ? entry : null;
            if (match is not null)
            {
                return true;
            }

            var slot = (int)(hash & (RecentSlots - 1));
            var recent = _recentPfnsPlusOne[slot];
            if (recent != 0 && _recentHashes[slot] == hash && recent - 1 < pfn && table.HasBytes(recent - 1, page, _earlierPages, _scratch))
            {
                return true;
            }

            _recentHashes[slot] = hash;
            _recentPfnsPlusOne[slot] = pfn + 1;
            return false;
        }

        public void Dispose() => _earlierPages?.Dispose();
    }

    /// <summary>
    /// True when page <paramref name="pfn"/> of the source holds exactly <paramref name="page"/>: read
    /// through <paramref name="view"/> where it can, else copied into <paramref name="scratch"/> (one page).
    /// </summary>
    public bool HasBytes(ulong pfn, ReadOnlySpan<byte> page, IPageView? view, Span<byte> scratch)
    {
        if (view is not null && view.TryGetPage(pfn, out var earlier))
        {
            return earlier.SequenceEqual(page);
        }

        return _source.TryRead(pfn * (ulong)page.Length, scratch[..page.Length], out _) && scratch[..page.Length].SequenceEqual(page);
    }
}
