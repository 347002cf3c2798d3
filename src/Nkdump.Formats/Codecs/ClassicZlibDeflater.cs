using System.Runtime.InteropServices;

namespace Nkdump.Formats.Codecs;

/// <summary>
/// Page deflater over the system's classic zlib (libz.so.1, the library makedumpfile links).
/// makedumpfile -c calls compress2(..., Z_BEST_SPEED) for every page, which sets up and tears down
/// a whole deflate state (about 270 KiB, allocated and freed) per page. We set the state up once
/// per worker and reset it between pages; deflateReset restores exactly the state deflateInit2
/// made, so each page's bytes are the same as compress2's: our -c files equal makedumpfile's.
/// </summary>
internal sealed unsafe partial class ClassicZlibDeflater : IDisposable
{
    private const string Library = "libz.so.1";
    private const int ZOk = 0, ZStreamEnd = 1, ZFinish = 4;
    private const int BestSpeed = 1, Deflated = 8, MaxWindowBits = 15, DefaultMemLevel = 8, DefaultStrategy = 0;

    // zlib keeps a pointer back to its z_stream and checks it on every call, so the stream lives
    // in native memory where the garbage collector cannot move it.
    private ZStream* _stream;

    private ClassicZlibDeflater(ZStream* stream) => _stream = stream;

    /// <summary>A deflater at makedumpfile's settings, or null when libz.so.1 cannot be loaded.</summary>
    public static ClassicZlibDeflater? TryCreate()
    {
        var stream = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
        try
        {
            fixed (byte* version = "1.2.0"u8)
            {
                // deflateInit2_ only compares the major version digit and the struct size.
                if (DeflateInit2(stream, BestSpeed, Deflated, MaxWindowBits, DefaultMemLevel, DefaultStrategy, version, sizeof(ZStream)) == ZOk)
                {
                    return new ClassicZlibDeflater(stream);
                }
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }

        NativeMemory.Free(stream);
        return null;
    }

    /// <summary>
    /// Deflates one page into <paramref name="destination"/> as a zlib stream. Returns false when the
    /// result does not fit (the caller stores the page raw).
    /// </summary>
    public bool TryDeflate(ReadOnlySpan<byte> page, Span<byte> destination, out int written)
    {
        ObjectDisposedException.ThrowIf(_stream == null, this);
        written = 0;
        if (DeflateReset(_stream) != ZOk)
        {
            return false;
        }

        fixed (byte* input = page)
        fixed (byte* output = destination)
        {
            _stream->NextIn = input;
            _stream->AvailIn = (uint)page.Length;
            _stream->NextOut = output;
            _stream->AvailOut = (uint)destination.Length;
            var result = Deflate(_stream, ZFinish);
            _stream->NextIn = null;
            _stream->NextOut = null;

            // Z_OK or Z_BUF_ERROR here mean the output space ran out before the stream ended.
            if (result != ZStreamEnd)
            {
                return false;
            }

            written = destination.Length - (int)_stream->AvailOut;
            return true;
        }
    }

    public void Dispose()
    {
        if (_stream != null)
        {
            DeflateEnd(_stream);
            NativeMemory.Free(_stream);
            _stream = null;
        }
    }

    // struct z_stream_s on LP64 (zlib.h): 112 bytes.
    [StructLayout(LayoutKind.Sequential)]
    private struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public nuint TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public nuint TotalOut;
        public byte* Message;
        public void* State;
        public void* Alloc;
        public void* Free;
        public void* Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    // int deflateInit2_(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy, const char *version, int stream_size);
    [LibraryImport(Library, EntryPoint = "deflateInit2_")]
    private static partial int DeflateInit2(ZStream* stream, int level, int method, int windowBits, int memLevel, int strategy, byte* version, int streamSize);

    // int deflateReset(z_streamp strm);
    [LibraryImport(Library, EntryPoint = "deflateReset")]
    private static partial int DeflateReset(ZStream* stream);

    // int deflate(z_streamp strm, int flush);
    [LibraryImport(Library, EntryPoint = "deflate")]
    private static partial int Deflate(ZStream* stream, int flush);

    // int deflateEnd(z_streamp strm);
    [LibraryImport(Library, EntryPoint = "deflateEnd")]
    private static partial int DeflateEnd(ZStream* stream);
}
