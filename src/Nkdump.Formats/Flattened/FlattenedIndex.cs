namespace Nkdump.Formats.Flattened;

/// <summary>
/// Where the bytes of a reassembled flattened file are in the flattened stream: sorted, non-overlapping
/// segments, a later record placed over what it covers (reassembly writes records in order, so the
/// last one wins); bytes no segment covers are a hole (zeros). Records usually follow each other, and
/// then placing one is an append.
/// </summary>
internal sealed class FlattenedIndex
{
    private readonly List<Segment> _segments = [];

    /// <summary>Reassembled bytes [Start, End) are the stream's from <see cref="Source"/>.</summary>
    public readonly record struct Segment(long Start, long End, long Source);

    /// <summary>Segments held (the index's size: 24 bytes each).</summary>
    public int Count => _segments.Count;

    /// <summary>Puts <paramref name="added"/> over whatever it covers.</summary>
    public void Place(Segment added)
    {
        if (_segments.Count == 0 || _segments[^1].End <= added.Start)
        {
            _segments.Add(added);
            return;
        }

        var first = FirstEndingAfter(added.Start);
        var last = first;
        while (last < _segments.Count && _segments[last].Start < added.End)
        {
            last++;
        }

        var replacement = new List<Segment>(3);
        if (first < last && _segments[first].Start < added.Start)
        {
            replacement.Add(_segments[first] with { End = added.Start });
        }

        replacement.Add(added);
        if (first < last && _segments[last - 1].End > added.End)
        {
            var right = _segments[last - 1];
            replacement.Add(new Segment(added.End, right.End, right.Source + (added.End - right.Start)));
        }

        _segments.RemoveRange(first, last - first);
        _segments.InsertRange(first, replacement);
    }

    /// <summary>
    /// The segment holding all of [offset, offset+length), or null; <c>InHole</c> when no segment holds
    /// any of it.
    /// </summary>
    public (Segment? Segment, bool InHole) Find(long offset, int length)
    {
        var index = FirstEndingAfter(offset);
        if (index == _segments.Count || _segments[index].Start >= offset + length)
        {
            return (null, true);
        }

        var segment = _segments[index];
        return segment.Start <= offset && offset + length <= segment.End ? (segment, false) : (null, false);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the reassembled bytes from <paramref name="offset"/>
    /// (inside a file of <paramref name="length"/> bytes): segments through <paramref name="readSource"/>, holes as zeros.
    /// </summary>
    public void Read(long offset, Span<byte> destination, long length, SourceReader readSource)
    {
        var index = FirstEndingAfter(offset);
        while (!destination.IsEmpty)
        {
            int count;
            if (index < _segments.Count && _segments[index].Start <= offset)
            {
                var segment = _segments[index];
                count = (int)Math.Min(destination.Length, segment.End - offset);
                readSource(segment.Source + (offset - segment.Start), destination[..count]);
                index++;
            }
            else
            {
                var holeEnd = index < _segments.Count ? _segments[index].Start : length;
                count = (int)Math.Min(destination.Length, holeEnd - offset);
                destination[..count].Clear();
            }

            destination = destination[count..];
            offset += count;
        }
    }

    /// <summary>Reads the stream's bytes at <paramref name="offset"/>.</summary>
    public delegate void SourceReader(long offset, Span<byte> destination);

    /// <summary>The index of the first segment that ends after <paramref name="offset"/> (the count when none does).</summary>
    private int FirstEndingAfter(long offset)
    {
        int low = 0, high = _segments.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_segments[middle].End > offset)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }
}
