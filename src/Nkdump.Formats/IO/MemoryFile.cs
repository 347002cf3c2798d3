namespace Nkdump.Formats.IO;

/// <summary>
/// Bytes already in memory seen as an <see cref="IRandomAccessFile"/>, so that a reader written for
/// files (the ELF reader) also takes a buffer a caller holds.
/// </summary>
internal sealed class MemoryFile(ReadOnlyMemory<byte> bytes, string path) : IRandomAccessFile
{
    public string Path { get; } = path;

    public long Length => bytes.Length;

    public bool IsMemoryMapped => false;

    public string? ReadReason => "the bytes are in memory";

    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    public void Read(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            throw new DumpFormatException(Path, offset, $"{destination.Length} bytes needed but the file ends at {Length}");
        }

        bytes.Span.Slice((int)offset, destination.Length).CopyTo(destination);
    }

    public void Dispose()
    {
    }
}
