using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Tests;

/// <summary>
/// A dump writer that records what the pipeline hands it: each page with its encoding and bytes, as
/// a log line, stored pages at made-up offsets (when it stores copies, as a kdump writer does) and
/// the copies that point at them. It checks every page is a valid encoding, and fails like a full
/// disk after <c>failAfter</c> pages.
/// </summary>
internal sealed class RecordingWriter(PageCompression compression, bool storesCopies = false, int failAfter = int.MaxValue) : IDumpWriter
{
    private long _next = 1 << 20;

    public List<(ulong Pfn, PageEncoding Encoding, byte[] Bytes)> Pages { get; } = [];

    public List<string> Log { get; } = [];

    public Dictionary<long, (PageEncoding Encoding, byte[] Bytes)> Stored { get; } = [];

    public int Runs { get; private set; }

    public bool Completed { get; private set; }

    public int PageSize => 4096;

    public PageCompression Compression => compression;

    public long PageCount { get; init; }

    public long PagesWritten => Log.Count;

    public bool StoresCopies => storesCopies;

    public StoredPageLocation? WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes)
    {
        if (Log.Count >= failAfter)
        {
            throw new IOException("No space left on device");
        }

        Assert.True(Pages.Count == 0 || Pages[^1].Pfn < pfn, $"page {pfn:x} out of order");
        switch (encoding)
        {
            case PageEncoding.Zero:
                Assert.True(bytes.IsEmpty);
                break;
            case PageEncoding.Raw:
                Assert.Equal(PageSize, bytes.Length);
                break;
            default:
                Assert.NotEqual(PageCompression.None, compression);
                Assert.InRange(bytes.Length, 1, PageSize - 1);
                break;
        }

        Pages.Add((pfn, encoding, bytes.ToArray()));
        if (encoding == PageEncoding.Zero)
        {
            Log.Add($"{pfn:x} zero");
            return null;
        }

        var at = _next;
        _next += bytes.Length;
        Stored[at] = (encoding, bytes.ToArray());
        Log.Add($"{pfn:x} {encoding} at {at} {Convert.ToHexString(bytes)}");
        return storesCopies ? new StoredPageLocation(at, (uint)bytes.Length, encoding == PageEncoding.Compressed ? 1u : 0u) : null;
    }

    public void WritePages(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data)
    {
        Runs++;
        var at = 0;
        for (var i = 0; i < pfns.Length; i++)
        {
            WritePage(pfns[i], encodings[i], data.Slice(at, lengths[i]));
            at += lengths[i];
        }

        Assert.Equal(data.Length, at);
    }

    public void WriteCopy(ulong pfn, StoredPageLocation earlier)
    {
        Assert.True(storesCopies, "a copy handed to a writer that cannot store one");
        Assert.True(Stored.ContainsKey(earlier.Offset), $"pfn {pfn:x} points at {earlier.Offset}, where nothing was stored");
        Pages.Add((pfn, Stored[earlier.Offset].Encoding, Stored[earlier.Offset].Bytes));
        Log.Add($"{pfn:x} copy of {earlier.Offset}");
    }

    public void Complete() => Completed = true;

    public void Dispose()
    {
    }
}
