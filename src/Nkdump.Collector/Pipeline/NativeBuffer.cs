using System.Runtime.InteropServices;

namespace Nkdump.Collector.Pipeline;

/// <summary>
/// A buffer outside the GC heap, for the pipeline's big long-lived buffers. As managed arrays the
/// chunks' outputs (1 MiB each, 8 of them on two CPUs) went to the large object heap and their
/// allocation alone set off a full, background GC at the start of every dump, which stops every
/// thread while it marks. The memory is not cleared: its pages are touched only when written.
/// Freed by <see cref="Dispose"/>, which the owner calls only once no thread uses the buffer.
/// </summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private byte* _start;

    public NativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _start = (byte*)NativeMemory.Alloc((nuint)Math.Max(length, 1));
        Length = length;
    }

    public int Length { get; }

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_start == null, this);
            return new Span<byte>(_start, Length);
        }
    }

    public void Dispose()
    {
        NativeMemory.Free(_start);
        _start = null;
    }
}
