using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// Where the pipeline reads its pages: a dump's memory, named in errors. A memory that reads from
/// several threads at once (a mapped or pread ELF core) is read by the workers themselves; any other
/// (a compressed dump's decompressor) by the producer, which hands the bytes over.
/// </summary>
internal sealed class PageSource(IPhysicalMemory memory, string name)
{
    private KdumpDump? _storedIn;

    public IPhysicalMemory Memory { get; } = memory;

    public string Name { get; } = name;

    /// <summary>True when the workers read the pages; false when the producer does.</summary>
    public bool Shared => Memory.ConcurrentReads;

    /// <summary>
    /// The pages of <paramref name="dump"/>, whose stored bytes are copied as they are when the output
    /// has the dump file's compression (a page stored raw there did not shrink with it either):
    /// converting a dump to its own compression, or joining a split set, then costs a decompression
    /// per page (which checks the page), not a compression.
    /// </summary>
    public static PageSource CopyingStoredPages(IKernelDump dump) =>
        new(dump.Memory, dump.Path) { _storedIn = dump as KdumpDump };

    /// <summary>Copies page <paramref name="pfn"/> into <paramref name="page"/>; a page the dump cannot give is an error naming the dump.</summary>
    public void Read(ulong pfn, Span<byte> page)
    {
        if (!Memory.TryRead(pfn * (ulong)page.Length, page, out var failure))
        {
            throw new NkdumpException($"{Name}: cannot read a page the dump keeps: {failure}");
        }
    }

    /// <summary>True when <see cref="CopyStored"/> may give pages for a writer in <paramref name="compression"/>.</summary>
    internal bool CopiesStoredPages(PageCompression compression) =>
        _storedIn is not null && compression != PageCompression.None && _storedIn.Header.Compression == compression;

    /// <summary>
    /// Copies the bytes the source stores for <paramref name="pfn"/> into <paramref name="slot"/> when
    /// they are already what a writer in <paramref name="compression"/> takes; 0 when not.
    /// </summary>
    internal int CopyStored(ulong pfn, PageCompression compression, Span<byte> slot, out PageEncoding encoding)
    {
        encoding = PageEncoding.Raw;
        if (!CopiesStoredPages(compression)
            || !_storedIn!.TryGetStored(pfn, out var stored, out var storedAs)
            || (storedAs != compression && storedAs != PageCompression.None) || stored.Length > slot.Length)
        {
            return 0;
        }

        encoding = storedAs == PageCompression.None ? PageEncoding.Raw : PageEncoding.Compressed;
        stored.CopyTo(slot);
        return stored.Length;
    }
}
