using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>Passes encoded pages to a kdump-compressed writer, which can point a page at an identical earlier one.</summary>
public sealed class KdumpWriterSink(KdumpWriter writer) : IPageCopySink
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
}
