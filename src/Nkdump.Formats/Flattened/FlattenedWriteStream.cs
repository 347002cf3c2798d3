using System.Buffers.Binary;

namespace Nkdump.Formats.Flattened;

/// <summary>
/// A seekable-looking stream that writes makedumpfile's flattened format to a non-seekable one
/// (a pipe, ssh): each write becomes a record "(offset, size) bytes", consecutive writes are merged
/// into records of up to 1 MiB, and <see cref="Finish"/> (or disposing) writes the end marker.
/// Any writer that seeks (the kdump writer) can thus stream; `nkdump reassemble` undoes it.
/// <para>
/// With <c>readBack</c>, on an inner stream that can seek and read (a raw block device), what was
/// written can be read back as the reassembled file holds it (an index of the records written,
/// <see cref="FlattenedIndex"/>, 24 bytes a record): the seekable age writer re-opens a chunk it sealed
/// earlier this way, so an encrypted dump goes onto a raw device inside flattened framing whose end
/// marker stays in the clear.
/// </para>
/// </summary>
public sealed class FlattenedWriteStream : Stream
{
    private const int MaxRecord = 1 << 20;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _pending = new byte[MaxRecord];
    private long _pendingOffset;
    private int _pendingLength;
    private long _position;
    private long _length;
    private bool _finished;

    /// <summary>The records written so far, when they can be read back; null otherwise.</summary>
    private readonly FlattenedIndex? _written;

    /// <summary>Where the next record goes in <see cref="_inner"/> (with read-back only).</summary>
    private long _innerPosition;

    public FlattenedWriteStream(Stream inner, bool leaveOpen = false, bool readBack = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        if (readBack)
        {
            if (!inner.CanRead || !inner.CanSeek)
            {
                throw new ArgumentException("reading back needs an inner stream that can seek and read", nameof(inner));
            }

            _written = new FlattenedIndex();
            _innerPosition = inner.Position + FlattenedLayout.HeaderSize;
        }

        var header = new byte[FlattenedLayout.HeaderSize];
        FlattenedLayout.Signature.CopyTo(header);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(FlattenedLayout.Type), FlattenedLayout.TypeFlatHeader);
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(FlattenedLayout.Version), FlattenedLayout.VersionFlatHeader);
        _inner.Write(header);
    }

    public override bool CanRead => _written is not null && !_finished;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    /// <summary>The length the reassembled file will have (so far).</summary>
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            if (_pendingLength > 0 && (_pendingOffset + _pendingLength != _position || _pendingLength == MaxRecord))
            {
                FlushPending();
            }

            if (_pendingLength == 0)
            {
                _pendingOffset = _position;
            }

            var count = Math.Min(buffer.Length, MaxRecord - _pendingLength);
            buffer[..count].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += count;
            _position += count;
            _length = Math.Max(_length, _position);
            buffer = buffer[count..];
        }
    }

    public override void Flush()
    {
        FlushPending();
        _inner.Flush();
    }

    /// <summary>Writes what is pending and the end marker.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        FlushPending();
        Span<byte> end = stackalloc byte[FlattenedLayout.RecordHeaderSize];
        BinaryPrimitives.WriteInt64BigEndian(end, FlattenedLayout.EndFlag);
        BinaryPrimitives.WriteInt64BigEndian(end[8..], FlattenedLayout.EndFlag);
        _inner.Write(end);
        _inner.Flush();
        _finished = true;
    }

    private void FlushPending()
    {
        if (_pendingLength == 0)
        {
            return;
        }

        Span<byte> record = stackalloc byte[FlattenedLayout.RecordHeaderSize];
        BinaryPrimitives.WriteInt64BigEndian(record, _pendingOffset);
        BinaryPrimitives.WriteInt64BigEndian(record[8..], _pendingLength);
        _inner.Write(record);
        _inner.Write(_pending, 0, _pendingLength);
        if (_written is not null)
        {
            _innerPosition += record.Length;
            _written.Place(new FlattenedIndex.Segment(_pendingOffset, _pendingOffset + _pendingLength, _innerPosition));
            _innerPosition += _pendingLength;
        }

        _pendingLength = 0;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    public override void SetLength(long value) => _length = Math.Max(_length, value);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads back (see the class comment) from <see cref="Position"/>: what the reassembled file will hold there now.</summary>
    public override int Read(Span<byte> buffer)
    {
        if (_written is null)
        {
            throw new NotSupportedException("this flattened stream was not opened for reading back");
        }

        ObjectDisposedException.ThrowIf(_finished, this);
        FlushPending();
        var count = (int)Math.Clamp(_length - _position, 0, buffer.Length);
        _written.Read(_position, buffer[..count], _length, ReadInner);
        _inner.Position = _innerPosition;
        _position += count;
        return count;
    }

    private void ReadInner(long offset, Span<byte> destination)
    {
        _inner.Position = offset;
        _inner.ReadExactly(destination);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                Finish();
            }
            catch (IOException)
            {
                // The consumer went away; there is nobody left to tell.
            }

            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
