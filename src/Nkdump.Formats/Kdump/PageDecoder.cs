using Nkdump.Formats.Codecs;

namespace Nkdump.Formats.Kdump;

/// <summary>
/// Per-thread page decoding state: one decompressor per kind, created on first use, and a small
/// direct-mapped cache of decoded pages, because the kernel layer reads pointers and structures a
/// few bytes at a time and would otherwise decompress the same page over and over.
/// </summary>
internal sealed class PageDecoder : IDisposable
{
    private const int CacheSlots = 64;

    private readonly IPageDecompressor?[] _decompressors = new IPageDecompressor?[5];
    private readonly ulong[] _tags = new ulong[CacheSlots];
    private readonly byte[] _pages;
    private readonly int _pageSize;

    public PageDecoder(int pageSize)
    {
        _pageSize = pageSize;
        _pages = new byte[CacheSlots * pageSize];
        Array.Fill(_tags, ulong.MaxValue);
    }

    public IPageDecompressor Decompressor(PageCompression kind) =>
        _decompressors[(int)kind] ??= PageCodecs.CreateDecompressor(kind, _pageSize);

    /// <summary>The cache slot for <paramref name="pfn"/>; <paramref name="hit"/> says whether it holds that page.</summary>
    public Span<byte> Slot(ulong pfn, out bool hit)
    {
        var slot = (int)(pfn % CacheSlots);
        hit = _tags[slot] == pfn;
        return _pages.AsSpan(slot * _pageSize, _pageSize);
    }

    public void Fill(ulong pfn) => _tags[(int)(pfn % CacheSlots)] = pfn;

    public void Invalidate(ulong pfn) => _tags[(int)(pfn % CacheSlots)] = ulong.MaxValue;

    public void Dispose()
    {
        foreach (var d in _decompressors)
        {
            d?.Dispose();
        }
    }
}
