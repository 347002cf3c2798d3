using Nkdump.Formats.Writing;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// A run of up to ChunkPages pages travelling through the pipeline: the producer queues their
/// numbers (and, from a source only one thread may read, their bytes), a worker encodes them into
/// the output, the writer hands them to the dump writer in order. Buffers are reused from chunk to
/// chunk so steady state allocates nothing. The output lies outside the GC heap
/// (<see cref="NativeBuffer"/>) and is freed by <see cref="Dispose"/>.
/// </summary>
internal sealed class PageChunk : IDisposable
{
    private readonly int _pageSize;
    private readonly NativeBuffer _output;
    private byte[]? _input;
    private ulong[]? _hashes;
    private IdenticalPages.Entry?[]? _matches;
    private bool[]? _duplicates;
    private StoredCopies? _stored;

    public PageChunk(int chunkPages, int pageSize)
    {
        _pageSize = pageSize;
        Pfns = new ulong[chunkPages];
        _output = new NativeBuffer((chunkPages * pageSize) + SlackBytes(pageSize));
        Encodings = new PageEncoding[chunkPages];
        Offsets = new int[chunkPages];
        Lengths = new int[chunkPages];
    }

    /// <summary>
    /// Room past the last page's slot, so every page can be compressed straight into the output:
    /// LZO's documented worst case for n bytes is n + n/16 + 64 + 3, the largest of our codecs'.
    /// </summary>
    public static int SlackBytes(int pageSize) => (pageSize / 16) + 64 + 3;

    public ulong[] Pfns { get; }

    public int Count { get; set; }

    /// <summary>
    /// Page bytes copied in (by the producer, or by a worker when a page cannot be used where it
    /// lies). Allocated on first use: pages compressed straight from a mapped vmcore never need it.
    /// </summary>
    public byte[] Input => _input ??= new byte[Pfns.Length * _pageSize];

    /// <summary>Page <paramref name="index"/>'s slot in <see cref="Input"/>.</summary>
    public Span<byte> InputPage(int index) => Input.AsSpan(index * _pageSize, _pageSize);

    /// <summary>The encoded pages, back to back, with <see cref="SlackBytes"/> of room past the last.</summary>
    public Span<byte> Output => _output.Span;

    public PageEncoding[] Encodings { get; }

    public int[] Offsets { get; }

    public int[] Lengths { get; }

    /// <summary>With <see cref="IdenticalPages"/>: each stored page's hash, the earlier page a worker found equal to it, and whether it found one (allocated on first use).</summary>
    public ulong[] Hashes => _hashes ??= new ulong[Pfns.Length];

    public IdenticalPages.Entry?[] Matches => _matches ??= new IdenticalPages.Entry?[Pfns.Length];

    public bool[] Duplicates => _duplicates ??= new bool[Pfns.Length];

    /// <summary>Pages whose stored bytes the source gave already encoded (see <see cref="PageSource"/>); allocated on first use.</summary>
    public StoredCopies Stored => _stored ??= new StoredCopies(Pfns.Length, _pageSize);

    /// <summary>True when <see cref="Stored"/> holds bytes for page <paramref name="index"/>.</summary>
    public bool HasStored(int index) => _stored is not null && _stored.Lengths[index] > 0;

    /// <summary>Set by the worker when the chunk is encoded (or failed).</summary>
    public ManualResetEventSlim Done { get; } = new(false);

    public Exception? Failure { get; set; }

    /// <summary>Empties the chunk for the next pages.</summary>
    public void Reset()
    {
        Count = 0;
        Failure = null;
        Done.Reset();
        if (_stored is not null)
        {
            Array.Clear(_stored.Lengths);
        }
    }

    public void Dispose()
    {
        _output.Dispose();
        Done.Dispose();
    }

    /// <summary>Encoded bytes a source gave for some of the chunk's pages, one page slot each.</summary>
    internal sealed class StoredCopies(int pages, int pageSize)
    {
        public byte[] Bytes { get; } = new byte[pages * pageSize];

        /// <summary>0: none for this page.</summary>
        public int[] Lengths { get; } = new int[pages];

        public PageEncoding[] Encodings { get; } = new PageEncoding[pages];

        public Span<byte> Slot(int index) => Bytes.AsSpan(index * pageSize, pageSize);
    }
}
