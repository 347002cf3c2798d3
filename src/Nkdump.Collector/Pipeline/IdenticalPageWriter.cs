using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// The ordered writer's side of <see cref="IdenticalPages"/>: for each non-zero page, in PFN order (so
/// the same input gives the same file whatever the workers did), a copy of the page last stored in its
/// hash's slot when the bytes are the same, else the page stored and remembered. Used on the writer
/// thread only; its views of the source are opened there on first use.
/// </summary>
internal sealed class IdenticalPageWriter(IdenticalPages table, PageSource source, IDumpWriter writer) : IDisposable
{
    private byte[]? _page;
    private byte[]? _other;
    private byte[]? _output;
    private IPageView? _view;
    private IPageView? _otherView;
    private IPageCompressor? _compressor;

    /// <param name="pfn">The page.</param>
    /// <param name="duplicate">Its worker found an earlier identical page and left it unencoded.</param>
    /// <param name="encoding">What its worker made of it otherwise: compressed or raw.</param>
    /// <param name="bytes">The encoded bytes (none for a duplicate).</param>
    /// <param name="hash">Its hash.</param>
    /// <param name="match">The stored page its worker compared it with and found equal, if any.</param>
    public void Write(ulong pfn, bool duplicate, PageEncoding encoding, ReadOnlySpan<byte> bytes, ulong hash, IdenticalPages.Entry? match)
    {
        if (table.Slot(hash) is { } earlier && earlier.Hash == hash
            && (ReferenceEquals(earlier, match) || SameBytes(pfn, earlier.Pfn)))
        {
            writer.WriteCopy(pfn, earlier.Location);
            return;
        }

        if (duplicate)
        {
            // The page a worker matched left its slot before this page's turn: encode it here after
            // all, as a worker would have (same codec, same bytes).
            var page = Read(pfn, ref _page);
            _output ??= new byte[writer.PageSize + PageChunk.SlackBytes(writer.PageSize)];
            _compressor ??= writer.Compression == PageCompression.None ? null : PageCodecs.CreateCompressor(writer.Compression, writer.PageSize);
            var length = ChunkEncoder.Compress(_compressor, page, _output, out encoding, out _);
            bytes = _output.AsSpan(0, length);
        }

        if (writer.WritePage(pfn, encoding, bytes) is { } location)
        {
            table.Remember(hash, pfn, location);
        }
    }

    /// <summary>True when pages <paramref name="pfn"/> and <paramref name="other"/> hold the same bytes (compared where they lie when the source is mapped).</summary>
    private bool SameBytes(ulong pfn, ulong other)
    {
        _view ??= source.Memory.OpenPageView(scattered: true);
        _otherView ??= source.Memory.OpenPageView(scattered: true);
        var page = _view is not null && _view.TryGetPage(pfn, out var mapped) ? mapped : Read(pfn, ref _page);
        return table.HasBytes(other, page, _otherView, _other ??= new byte[writer.PageSize]);
    }

    private Span<byte> Read(ulong pfn, ref byte[]? buffer)
    {
        buffer ??= new byte[writer.PageSize];
        source.Read(pfn, buffer);
        return buffer;
    }

    public void Dispose()
    {
        _compressor?.Dispose();
        _view?.Dispose();
        _otherView?.Dispose();
    }
}
