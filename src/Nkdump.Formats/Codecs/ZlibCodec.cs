using System.IO.Compression;

namespace Nkdump.Formats.Codecs;

/// <summary>Which deflate implementation compresses zlib pages.</summary>
public enum ZlibEngine
{
    /// <summary>The first that loads: libdeflate, then the system's zlib, then the built-in one.</summary>
    Auto,

    /// <summary>libdeflate.so.0 at level 2: smaller than makedumpfile's pages, several times faster.</summary>
    Libdeflate,

    /// <summary>libz.so.1 at level 1: the same bytes as makedumpfile -c.</summary>
    SystemZlib,

    /// <summary>System.IO.Compression's zlib-ng at level 1: always there, fastest, 10 to 27 % larger.</summary>
    BuiltIn,
}

/// <summary>
/// zlib pages. Compression uses the best deflate the system has (<see cref="ZlibEngine"/>): every
/// engine writes an RFC 1950 stream per page that any zlib reader takes, only their sizes and
/// speeds differ (docs/BENCHMARKS.md). A named engine that is missing falls back to the built-in
/// one. Decompression always uses System.IO.Compression.
/// </summary>
internal sealed unsafe class ZlibCodec(int pageSize, ZlibEngine engine = ZlibEngine.Auto) : IPageCompressor, IPageDecompressor
{
    private readonly PointerReadStream _input = new();
    private readonly byte[] _output = new byte[pageSize + (pageSize / 8) + 64];
    private FixedWriteStream? _outputStream;
    private LibdeflateDeflater? _libdeflate;
    private ClassicZlibDeflater? _classic;
    private bool _engineChosen;

    public PageCompression Kind => PageCompression.Zlib;

    /// <summary>The engine compressing pages (known after the first page).</summary>
    public ZlibEngine Engine { get; private set; } = ZlibEngine.BuiltIn;

    public bool TryCompress(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        if (!_engineChosen)
        {
            ChooseEngine();
        }

        if (_libdeflate is not null)
        {
            return _libdeflate.TryDeflate(page, destination, out written);
        }

        if (_classic is not null)
        {
            return _classic.TryDeflate(page, destination, out written);
        }

        // Stream-based API: each page costs one ZLibStream (the scratch streams around it are reused).
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

    private void ChooseEngine()
    {
        _engineChosen = true;
        if (engine is ZlibEngine.Auto or ZlibEngine.Libdeflate)
        {
            _libdeflate = LibdeflateDeflater.TryCreate();
        }

        if (_libdeflate is null && engine is ZlibEngine.Auto or ZlibEngine.SystemZlib)
        {
            _classic = ClassicZlibDeflater.TryCreate();
        }

        Engine = _libdeflate is not null ? ZlibEngine.Libdeflate : _classic is not null ? ZlibEngine.SystemZlib : ZlibEngine.BuiltIn;
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
        _libdeflate?.Dispose();
        _libdeflate = null;
        _classic?.Dispose();
        _classic = null;
    }
}
