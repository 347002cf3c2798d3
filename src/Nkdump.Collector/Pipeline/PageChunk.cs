namespace Nkdump.Collector.Pipeline;

/// <summary>
/// A run of up to ChunkPages pages travelling through the pipeline: the producer fills the
/// input, a worker encodes it into the output, the writer hands it to the sink in order.
/// Buffers are reused from chunk to chunk so steady state allocates nothing. The output lies
/// outside the GC heap (<see cref="NativeBuffer"/>) and is freed by <see cref="Dispose"/>.
/// </summary>
internal sealed class PageChunk : IDisposable
{
    public PageChunk(int chunkPages, int pageSize)
    {
        Pfns = new ulong[chunkPages];
        _inputBytes = chunkPages * pageSize;
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
    private readonly int _inputBytes;
    private byte[]? _input;

    /// <summary>
    /// Page bytes copied in (by the producer, or by a worker when a page cannot be used where it
    /// lies). Allocated on first use: pages compressed straight from a mapped vmcore never need it.
    /// </summary>
    public byte[] Input => _input ??= new byte[_inputBytes];
    /// <summary>The encoded pages, back to back, with <see cref="SlackBytes"/> of room past the last.</summary>
    public Span<byte> Output => _output.Span;
    private readonly NativeBuffer _output;
    public PageEncoding[] Encodings { get; }
    public int[] Offsets { get; }
    public int[] Lengths { get; }

    /// <summary>With <see cref="IdenticalPages"/>: each stored page's hash, and the earlier page a worker found equal to it (allocated on first use).</summary>
    public ulong[] Hashes => _hashes ??= new ulong[Pfns.Length];
    public IdenticalPages.Entry?[] Matches => _matches ??= new IdenticalPages.Entry?[Pfns.Length];
    private ulong[]? _hashes;
    private IdenticalPages.Entry?[]? _matches;

    public int Count { get; set; }

    /// <summary>Set by the worker when the chunk is encoded (or failed).</summary>
    public ManualResetEventSlim Done { get; } = new(false);

    public Exception? Failure { get; set; }

    public void Dispose()
    {
        _output.Dispose();
        Done.Dispose();
    }
}
