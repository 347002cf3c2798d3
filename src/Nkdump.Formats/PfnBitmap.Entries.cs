namespace Nkdump.Formats;

/// <summary>
/// The bitmap's directory: entries sorted by chunk, disjoint. Entry i covers chunks
/// [_first[i], _first[i] + _length[i]); with <c>_words[i]</c> null every bit of them is set,
/// otherwise it is one chunk (length 1) and those are its bits. Chunks without an entry are clear.
/// </summary>
public sealed partial class PfnBitmap
{
    private ulong[] _first = new ulong[4];
    private ulong[] _length = new ulong[4];
    private ulong[]?[] _words = new ulong[]?[4];
    private int _count;

    /// <summary>
    /// The entry found last: a pass over the frames asks about one chunk thousands of times in a row.
    /// Readers on several threads may overwrite each other's hint; any value is only a guess, checked
    /// before use.
    /// </summary>
    private int _hint;

    private ulong EndOf(int i) => _first[i] + _length[i];

    /// <summary>The entry holding <paramref name="chunk"/>, or the complement of where one would go.</summary>
    private int Find(ulong chunk)
    {
        var i = FirstEndingAfter(chunk);
        return i < _count && _first[i] <= chunk ? i : ~i;
    }

    /// <summary>The first entry that ends after <paramref name="chunk"/> (holds it or lies after it), or the count.</summary>
    private int FirstEndingAfter(ulong chunk)
    {
        var hint = _hint;
        if ((uint)hint < (uint)_count && chunk - _first[hint] < _length[hint])
        {
            return hint;
        }

        int low = 0, high = _count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (EndOf(middle) <= chunk)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        if (low < _count)
        {
            _hint = low;
        }

        return low;
    }

    /// <summary>Makes every chunk of [first, end) set: one entry, merged with all-set runs it touches.</summary>
    private void SetWholeChunks(ulong first, ulong end)
    {
        var i = FirstEndingAfter(first);
        if (i > 0 && _words[i - 1] is null && EndOf(i - 1) == first)
        {
            i--;
        }

        var j = i;
        for (; j < _count && (_first[j] < end || (_first[j] == end && _words[j] is null)); j++)
        {
            if (_words[j] is null)
            {
                first = Math.Min(first, _first[j]);
                end = Math.Max(end, EndOf(j));
            }
        }

        Remove(i, j - i);
        Insert(i, first, end - first, null);
    }

    /// <summary>Clears every chunk of [first, end); returns how many bits were set. All-set runs reaching out are cut.</summary>
    private long ClearWholeChunks(ulong first, ulong end)
    {
        var i = FirstEndingAfter(first);
        long cleared = 0;
        var j = i;
        for (; j < _count && _first[j] < end; j++)
        {
            cleared += _words[j] is { } words ? CountIn(words, 0, (int)ChunkBits)
                : (long)((Math.Min(end, EndOf(j)) - Math.Max(first, _first[j])) << ChunkShift);
        }

        if (i == j)
        {
            return 0;
        }

        // What is left of all-set runs that begin before or end after the range.
        var before = _words[i] is null && _first[i] < first ? (_first[i], first - _first[i]) : ((ulong, ulong)?)null;
        var after = _words[j - 1] is null && EndOf(j - 1) > end ? (end, EndOf(j - 1) - end) : ((ulong, ulong)?)null;
        Remove(i, j - i);
        if (after is var (afterFirst, afterLength))
        {
            Insert(i, afterFirst, afterLength, null);
        }

        if (before is var (beforeFirst, beforeLength))
        {
            Insert(i, beforeFirst, beforeLength, null);
        }

        return cleared;
    }

    /// <summary>
    /// Turns <paramref name="chunk"/> of the all-set run at <paramref name="i"/> into a chunk of its own,
    /// all bits set, between what is left of the run; <paramref name="i"/> then is that chunk's entry.
    /// </summary>
    private ulong[] SplitOut(ref int i, ulong chunk)
    {
        var (first, end) = (_first[i], EndOf(i));
        var words = new ulong[WordsPerChunk];
        Array.Fill(words, ulong.MaxValue);
        Remove(i, 1);
        if (chunk + 1 < end)
        {
            Insert(i, chunk + 1, end - chunk - 1, null);
        }

        Insert(i, chunk, 1, words);
        if (first < chunk)
        {
            Insert(i, first, chunk - first, null);
            i++;
        }

        return words;
    }

    private void Insert(int at, ulong first, ulong length, ulong[]? words)
    {
        if (_count == _first.Length)
        {
            var capacity = _count * 2;
            Array.Resize(ref _first, capacity);
            Array.Resize(ref _length, capacity);
            Array.Resize(ref _words, capacity);
        }

        Array.Copy(_first, at, _first, at + 1, _count - at);
        Array.Copy(_length, at, _length, at + 1, _count - at);
        Array.Copy(_words, at, _words, at + 1, _count - at);
        _first[at] = first;
        _length[at] = length;
        _words[at] = words;
        _count++;
    }

    private void Remove(int at, int count)
    {
        if (count == 0)
        {
            return;
        }

        Array.Copy(_first, at + count, _first, at, _count - at - count);
        Array.Copy(_length, at + count, _length, at, _count - at - count);
        Array.Copy(_words, at + count, _words, at, _count - at - count);
        _count -= count;
        Array.Clear(_words, _count, count);
    }
}
