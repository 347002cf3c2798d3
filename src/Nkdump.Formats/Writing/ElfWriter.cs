using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Writing;

/// <summary>What an ELF core holds: the pages, the ranges of memory they lie in, the notes, the virtual layout.</summary>
public sealed class ElfWriterOptions
{
    public int PageSize { get; init; } = 4096;

    /// <summary>The crashed machine's memory ranges, sorted and disjoint: no PT_LOAD spans two of them.</summary>
    public required IReadOnlyList<PfnRange> Ranges { get; init; }

    /// <summary>The pages the file holds (present or zero); the others are left out.</summary>
    public required PfnBitmap Held { get; init; }

    /// <summary>The ELF notes (NT_PRSTATUS per CPU, VMCOREINFO).</summary>
    public IReadOnlyList<ElfNote> Notes { get; init; } = [];

    /// <summary>Virtual addresses for the program headers (the vmcore's); null leaves p_vaddr 0.</summary>
    public ElfVirtualLayout? Layout { get; init; }
}

/// <summary>
/// Writes an ELF64 x86_64 core (<see cref="ElfCoreLayout"/>): the headers first, then the held pages
/// one after the other in PFN order, so the output may be a pipe. Pages come raw (ELF has no page
/// compression) or as zero pages, whose zeros are written here.
/// On a seekable output the header goes out with makedumpfile's incomplete bit in e_flags
/// (DUMP_ELF_INCOMPLETE), cleared only after the last page is written: a write that fails (disk full),
/// or a collector that dies, leaves a file marked incomplete whose headers and pages up to the failure
/// are intact. makedumpfile sets the bit after an ENOSPC instead, which a crash of its own cannot do.
/// </summary>
public sealed class ElfWriter : IDumpWriter
{
    private static readonly byte[] Zeros = new byte[1 << 16];

    private readonly Stream _output;
    private readonly PageSetCursor _pages;
    private readonly bool _markIncomplete;
    private readonly long _headerAt;
    private bool _completed;

    public ElfWriter(Stream output, ElfWriterOptions options)
    {
        if (options.PageSize > Zeros.Length)
        {
            throw new ArgumentException($"pages of {options.PageSize} bytes are larger than this writer supports", nameof(options));
        }

        _output = output;
        PageSize = options.PageSize;
        _pages = new PageSetCursor(options.Held, 0, options.Held.Bits);
        _markIncomplete = output.CanSeek;
        _headerAt = _markIncomplete ? output.Position : 0;
        var layout = new ElfCoreLayout(options, _markIncomplete);
        DataOffset = layout.DataOffset;
        output.Write(layout.Head);
    }

    public int PageSize { get; }

    /// <summary>Where the page data starts.</summary>
    public long DataOffset { get; }

    public PageCompression Compression => PageCompression.None;

    public long PageCount => _pages.Count;

    public long PagesWritten { get; private set; }

    public bool StoresCopies => false;

    public StoredPageLocation? WritePage(ulong pfn, PageEncoding encoding, ReadOnlySpan<byte> bytes)
    {
        EncodedPages.Check(encoding, bytes.Length, PageSize, PageCompression.None);
        _pages.Accept(pfn);
        if (encoding == PageEncoding.Zero)
        {
            _output.Write(Zeros, 0, PageSize);
        }
        else
        {
            _output.Write(bytes);
        }

        PagesWritten++;
        return null;
    }

    /// <summary>Writes the run's raw pages in as few writes as the zero pages among them allow.</summary>
    public void WritePages(ReadOnlySpan<ulong> pfns, ReadOnlySpan<PageEncoding> encodings, ReadOnlySpan<int> lengths, ReadOnlySpan<byte> data)
    {
        EncodedPages.CheckRun(pfns, encodings, lengths, data, PageSize, PageCompression.None);
        var pending = 0;
        var at = 0;
        for (var i = 0; i < pfns.Length; i++)
        {
            _pages.Accept(pfns[i]);
            if (encodings[i] == PageEncoding.Zero)
            {
                _output.Write(data.Slice(at - pending, pending));
                pending = 0;
                _output.Write(Zeros, 0, PageSize);
            }
            else
            {
                pending += lengths[i];
                at += lengths[i];
            }
        }

        _output.Write(data.Slice(at - pending, pending));
        PagesWritten += pfns.Length;
    }

    public void WriteCopy(ulong pfn, StoredPageLocation earlier) =>
        throw new NotSupportedException("an ELF core stores every page's bytes; it cannot point at an earlier page");

    public void Complete()
    {
        if (PagesWritten != PageCount)
        {
            throw new InvalidOperationException($"{PageCount - PagesWritten} held pages were not written (next expected PFN 0x{_pages.Next:x})");
        }

        _output.Flush();
        if (_markIncomplete)
        {
            // Every page is out: only now does the header say the dump is complete.
            var end = _output.Position;
            _output.Position = _headerAt + ElfLayout.EFlags;
            _output.Write(new byte[4]);
            _output.Position = end;
            _output.Flush();
        }

        _completed = true;
    }

    /// <summary>Flushes what was written; without <see cref="Complete"/> a seekable file stays marked incomplete.</summary>
    public void Dispose()
    {
        if (!_completed)
        {
            try
            {
                _output.Flush();
            }
            catch (IOException)
            {
                // The write that failed already said why; what reached the file stays marked incomplete.
            }
        }
    }
}
