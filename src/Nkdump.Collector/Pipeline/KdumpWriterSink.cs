using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>Passes encoded pages to a kdump-compressed writer, which can point a page at an identical earlier one.</summary>
public sealed class KdumpWriterSink(KdumpWriter writer) : IPageCopySink, IPageRunSink
{
    public long ZeroPages { get; private set; }

    public void WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes) => WriteStoredPage(pfn, encoding, bytes);

    public StoredPageLocation? WriteStoredPage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes)
    {
        if (encoding == PageEncoding.Zero)
        {
            writer.WriteZeroPage(pfn);
            ZeroPages++;
            return null;
        }

        return writer.WriteStored(pfn, bytes, encoding == PageEncoding.Compressed);
    }

    public void WriteCopy(ulong pfn, StoredPageLocation earlier) => writer.WriteCopy(pfn, earlier);

    public void WriteRun(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data)
    {
        Span<bool> compressed = encodings.Length <= 1024 ? stackalloc bool[encodings.Length] : new bool[encodings.Length];
        var zeroPages = 0;
        for (var i = 0; i < encodings.Length; i++)
        {
            switch (encodings[i])
            {
                case PageEncoding.Zero:
                    zeroPages++;
                    break;
                case PageEncoding.Compressed:
                    compressed[i] = true;
                    break;
                case PageEncoding.Raw:
                    break;
                default:
                    throw new ArgumentException($"page 0x{pfns[i]:x}: a run holds raw, compressed and zero pages, not {encodings[i]}", nameof(encodings));
            }
        }

        writer.WriteStoredRun(pfns, lengths, compressed, data);
        ZeroPages += zeroPages;
    }
}
