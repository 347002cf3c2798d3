using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// One thread's encoding of chunks: read each page (where it lies in a mapped vmcore, else copied),
/// tell zero pages, look for an earlier identical page, and compress the rest into the chunk's
/// output. Holds the thread's codec instance, page view and identical-page lookahead.
/// </summary>
internal sealed class ChunkEncoder : IDisposable
{
    private readonly PageSource _source;
    private readonly bool _detectZeroPages;
    private readonly IPageCompressor? _compressor;
    private readonly IPageView? _view;
    private readonly IdenticalPages.Lookahead? _lookahead;

    public ChunkEncoder(PageSource source, int pageSize, PageCompression compression, bool detectZeroPages, IdenticalPages? identical)
    {
        _source = source;
        _detectZeroPages = detectZeroPages;
        _compressor = compression == PageCompression.None ? null : PageCodecs.CreateCompressor(compression, pageSize);
        _view = source.Shared ? source.Memory.OpenPageView() : null;
        _lookahead = identical is null ? null : new IdenticalPages.Lookahead(identical, pageSize);
    }

    /// <summary>True when <paramref name="page"/> is all zeros: the one zero-page check of the collector.</summary>
    public static bool IsZero(ReadOnlySpan<byte> page) => !page.ContainsAnyExcept((byte)0);

    public void Encode(PageChunk chunk)
    {
        var outputOffset = 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            chunk.Offsets[i] = outputOffset;
            if (_lookahead is not null)
            {
                chunk.Duplicates[i] = false;
            }

            var page = Page(chunk, i);
            if (_detectZeroPages && IsZero(page))
            {
                chunk.Encodings[i] = PageEncoding.Zero;
                chunk.Lengths[i] = 0;
                continue;
            }

            if (chunk.HasStored(i))
            {
                // The source's own bytes for the page, already in the output's compression.
                var length = chunk.Stored.Lengths[i];
                chunk.Stored.Slot(i)[..length].CopyTo(chunk.Output[outputOffset..]);
                chunk.Encodings[i] = chunk.Stored.Encodings[i];
                chunk.Lengths[i] = length;
                outputOffset += length;
                continue;
            }

            if (_lookahead is not null)
            {
                // A page the writer will point at an identical earlier one needs no compressing.
                var hash = IdenticalPages.Hash(page);
                chunk.Hashes[i] = hash;
                chunk.Duplicates[i] = _lookahead.FindEarlier(hash, chunk.Pfns[i], page, out chunk.Matches[i]);
                if (chunk.Duplicates[i])
                {
                    // Left unencoded: the writer points it at the earlier page, or encodes it after all.
                    chunk.Encodings[i] = PageEncoding.Raw;
                    chunk.Lengths[i] = 0;
                    continue;
                }
            }

            outputOffset += Compress(_compressor, page, chunk.Output[outputOffset..], out chunk.Encodings[i], out chunk.Lengths[i]);
        }
    }

    /// <summary>
    /// Compresses <paramref name="page"/> into <paramref name="output"/> when that shrinks it, else
    /// copies it (a page that does not shrink is stored raw, as makedumpfile does). The codec may use
    /// the room past the page's slot (a codec like LZO then compresses in place, with no scratch copy);
    /// what it wrote there is overwritten by the pages after it.
    /// </summary>
    /// <param name="compressor">The thread's codec, or null to store pages raw.</param>
    public static int Compress(IPageCompressor? compressor, ReadOnlySpan<byte> page, Span<byte> output, out PageEncoding encoding, out int length)
    {
        var room = output[..Math.Min(output.Length, page.Length + PageChunk.SlackBytes(page.Length))];
        if (compressor is not null && compressor.TryCompress(page, room, out var written) && written < page.Length)
        {
            encoding = PageEncoding.Compressed;
            length = written;
            return written;
        }

        page.CopyTo(output);
        encoding = PageEncoding.Raw;
        length = page.Length;
        return length;
    }

    /// <summary>
    /// The bytes of page <paramref name="index"/>: handed in by the producer, or read here from the
    /// shared source. A mapped vmcore's page is used where it lies (the span lasts until the next page
    /// is asked for); others are copied in first. Only then is the chunk's input touched: taking it for
    /// every page allocated 1 MiB per chunk that mapped pages never use.
    /// </summary>
    private ReadOnlySpan<byte> Page(PageChunk chunk, int index)
    {
        if (!_source.Shared)
        {
            return chunk.InputPage(index);
        }

        if (_view is not null && _view.TryGetPage(chunk.Pfns[index], out var page))
        {
            return page;
        }

        var buffer = chunk.InputPage(index);
        _source.Read(chunk.Pfns[index], buffer);
        return buffer;
    }

    public void Dispose()
    {
        _compressor?.Dispose();
        _view?.Dispose();
        _lookahead?.Dispose();
    }
}
