using System.IO.Compression;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// zlib pages through System.IO.Compression. Its API is stream-based, so each page costs one
/// ZLibStream (the scratch streams around it are reused). makedumpfile compresses with
/// compress2(..., Z_BEST_SPEED); CompressionLevel.Fastest is the same level 1.
/// </summary>
internal sealed unsafe class ZlibCodec(int pageSize) : IPageCompressor, IPageDecompressor
{
    private readonly PointerReadStream _input = new();
    private readonly byte[] _output = new byte[pageSize + (pageSize / 8) + 64];
    private FixedWriteStream? _outputStream;

    public PageCompression Kind => PageCompression.Zlib;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        _outputStream ??= new FixedWriteStream(_output);
        _outputStream.Reset();
        using (var zlib = new ZLibStream(_outputStream, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(page);
        }

        written = _outputStream.Written;
        if (_outputStream.Overflowed || written > destination.Length)
        {
            written = 0;
            return false;
        }

        _output.AsSpan(0, written).CopyTo(destination);
        return true;
    }

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> page)
    {
        fixed (byte* pointer = source)
        {
            _input.Reset(pointer, source.Length);
            try
            {
                using var zlib = new ZLibStream(_input, CompressionMode.Decompress, leaveOpen: true);
                if (zlib.ReadAtLeast(page, page.Length, throwOnEndOfStream: false) != page.Length)
                {
                    return false;
                }

                // One more byte means the stream holds more than a page: corrupt.
                Span<byte> extra = stackalloc byte[1];
                return zlib.Read(extra) == 0;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
    }
}
