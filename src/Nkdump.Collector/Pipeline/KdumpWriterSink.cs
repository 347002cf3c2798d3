using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>Passes encoded pages to a kdump-compressed writer.</summary>
public sealed class KdumpWriterSink(KdumpWriter writer) : IPageSink
{
    public long ZeroPages { get; private set; }

    public void WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes)
    {
        switch (encoding)
        {
            case PageEncoding.Zero:
                writer.WriteZeroPage(pfn);
                ZeroPages++;
                break;
            default:
                writer.WriteStored(pfn, bytes, encoding == PageEncoding.Compressed);
                break;
        }
    }
}
