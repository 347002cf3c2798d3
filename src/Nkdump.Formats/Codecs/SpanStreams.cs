namespace Nkdump.Formats.Codecs;

/// <summary>
/// A read-only stream over native memory that can be re-pointed, so a codec that wants a Stream
/// (System.IO.Compression's zlib) needs no new wrapper per page.
/// </summary>
internal sealed unsafe class PointerReadStream : Stream
{
    private byte* _data;
    private int _length;
    private int _position;

    public void Reset(byte* data, int length)
    {
        _data = data;
        _length = length;
        _position = 0;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _length - _position);
        new ReadOnlySpan<byte>(_data + _position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A write-only stream into a fixed buffer that records overflow instead of growing.</summary>
internal sealed class FixedWriteStream(byte[] buffer) : Stream
{
    public int Written { get; private set; }

    public bool Overflowed { get; private set; }

    public void Reset()
    {
        Written = 0;
        Overflowed = false;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Written;

    public override long Position
    {
        get => Written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> source)
    {
        if (Overflowed || source.Length > buffer.Length - Written)
        {
            Overflowed = true;
            return;
        }

        source.CopyTo(buffer.AsSpan(Written));
        Written += source.Length;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
