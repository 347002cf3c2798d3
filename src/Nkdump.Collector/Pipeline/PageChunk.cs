namespace Nkdump.Collector.Pipeline;

/// <summary>
/// A run of up to ChunkPages pages travelling through the pipeline: the producer fills the
/// input, a worker encodes it into the output, the writer hands it to the sink in order.
/// Buffers are reused from chunk to chunk so steady state allocates nothing.
/// </summary>
internal sealed class PageChunk
{
    public PageChunk(int chunkPages, int pageSize)
    {
        Pfns = new ulong[chunkPages];
        Input = new byte[chunkPages * pageSize];
        Output = new byte[(chunkPages * pageSize) + SlackBytes(pageSize)];
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
    public byte[] Input { get; }
    public byte[] Output { get; }
    public PageEncoding[] Encodings { get; }
    public int[] Offsets { get; }
    public int[] Lengths { get; }
    public int Count { get; set; }

    /// <summary>Set by the worker when the chunk is encoded (or failed).</summary>
    public ManualResetEventSlim Done { get; } = new(false);

    public Exception? Failure { get; set; }
}
