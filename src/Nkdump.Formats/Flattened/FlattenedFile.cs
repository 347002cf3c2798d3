using Nkdump.Formats.IO;

namespace Nkdump.Formats.Flattened;

/// <summary>
/// A flattened dump read in place, as the file it stands for, without reassembling it anywhere: opening
/// reads the record headers once and keeps an index of which bytes of the inner file hold which bytes
/// of the reassembled one (a later record wins where records overlap, as reassembly writes them in
/// order; bytes no record holds are zeros, as the holes of a reassembled file). Reads then go to the
/// inner file, so the plaintext of an encrypted flattened dump (<see cref="Age.AgeFile"/>) is read a
/// chunk at a time and never written out. The index costs 24 bytes per record left visible.
/// </summary>
internal sealed class FlattenedFile : ISpanFile
{
    private static readonly byte[] Zeros = new byte[1 << 16];

    private readonly ISpanFile _inner;
    private readonly FlattenedIndex _segments;

    private FlattenedFile(ISpanFile inner, FlattenedIndex segments, long length)
    {
        _inner = inner;
        _segments = segments;
        Length = length;
    }

    public string Path => _inner.Path;

    /// <summary>The reassembled file's length: the end of the furthest record.</summary>
    public long Length { get; }

    public bool IsMemoryMapped => false;

    public string? ReadReason => "flattened: read through its record index";

    /// <summary>Indexes the flattened file <paramref name="inner"/>; takes ownership of it when it succeeds.</summary>
    public static FlattenedFile Open(ISpanFile inner)
    {
        var name = inner.Path;
        if (inner.Length < FlattenedLayout.HeaderSize)
        {
            throw new DumpFormatException(name, inner.Length, $"stream ends inside the {FlattenedLayout.HeaderSize}-byte flattened header");
        }

        FlattenedReader.CheckHeader(inner.Span(0, FlattenedLayout.HeaderSize), name);
        var segments = new FlattenedIndex();
        long position = FlattenedLayout.HeaderSize, end = 0;
        Span<byte> record = stackalloc byte[FlattenedLayout.RecordHeaderSize];
        while (true)
        {
            if (!inner.Contains(position, record.Length))
            {
                throw new DumpFormatException(name, inner.Length, "stream ends without the end marker (a truncated flattened dump)");
            }

            inner.Read(position, record);
            if (!FlattenedReader.TryDecodeRecord(record, name, position, out var offset, out var size))
            {
                break;
            }

            position += record.Length;
            if (!inner.Contains(position, size))
            {
                throw new DumpFormatException(name, inner.Length, $"stream ends inside a record ({position + size - inner.Length} of {size} bytes missing)");
            }

            if (size > 0)
            {
                segments.Place(new FlattenedIndex.Segment(offset, offset + size, position));
            }

            position += size;
            end = Math.Max(end, offset + size);
        }

        return new FlattenedFile(inner, segments, end);
    }

    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    public void Read(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            throw new DumpFormatException(Path, offset, $"{destination.Length} bytes needed but the reassembled file ends at {Length}");
        }

        _segments.Read(offset, destination, Length, _inner.Read);
    }

    /// <summary>A range inside one record comes from the inner file in place; a hole inside one zero buffer too; anything else is copied.</summary>
    public ReadOnlySpan<byte> Unsafe(long offset, int length)
    {
        var (segment, inHole) = _segments.Find(offset, length);
        if (segment is { } inside)
        {
            return _inner.Unsafe(inside.Source + (offset - inside.Start), length);
        }

        if (inHole && length <= Zeros.Length)
        {
            return Zeros.AsSpan(0, length);
        }

        var copy = new byte[length];
        Read(offset, copy);
        return copy;
    }

    public void Dispose() => _inner.Dispose();

}
