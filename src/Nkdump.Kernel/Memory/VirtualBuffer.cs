
namespace Nkdump.Kernel.Memory;

/// <summary>
/// A kernel buffer read page by page so that one unreadable page costs only the records on it:
/// the bytes plus which pages were readable, and the first failure of each unreadable run.
/// </summary>
internal sealed class VirtualBuffer
{
    private const int Page = 4096;
    private readonly bool[] _readable;

    private VirtualBuffer(ulong address, byte[] bytes, bool[] readable, List<KernelReadFailure> failures)
    {
        Address = address;
        Bytes = bytes;
        _readable = readable;
        Failures = failures;
    }

    public ulong Address { get; }

    public byte[] Bytes { get; }

    public IReadOnlyList<KernelReadFailure> Failures { get; }

    /// <summary>
    /// The buffer's first allocation is the whole length up to this size (a printk ring of 256 KiB to
    /// 2 MiB is read into one array); past it the buffer doubles as readable pages arrive.
    /// </summary>
    private const int FirstCapacity = 4 << 20;

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes at <paramref name="address"/>. <see cref="Bytes"/> ends
    /// after the last readable page, and grows only as readable pages arrive: a length taken from the
    /// dump costs memory where the dump has the bytes, not where it says they are (found by fuzzing: a
    /// log_buf_len of 128 MiB over unmapped memory allocated 128 MiB). The first readable page sizes
    /// the buffer to the whole length (up to <see cref="FirstCapacity"/>), and pages are read straight
    /// into it, not zeroed first (an unreadable page's bytes are zeroed): the zeroing, the doublings
    /// from one page up and a copy of every page through scratch were a fifth of `nkdump dmesg`'s
    /// time (issue 18).
    /// </summary>
    public static VirtualBuffer Read(KernelMemory memory, ulong address, int length)
    {
        var bytes = Array.Empty<byte>();
        Span<byte> scratch = stackalloc byte[Page];
        var end = 0;
        var first = address & ~(ulong)(Page - 1);
        var pages = (int)(((address + (ulong)length - first) + Page - 1) / Page);
        var readable = new bool[Math.Max(pages, 1)];
        var failures = new List<KernelReadFailure>();
        var done = 0;
        var previousFailed = false;
        while (done < length)
        {
            var va = address + (ulong)done;
            var take = (int)Math.Min((ulong)(length - done), (ulong)Page - (va & (Page - 1)));
            // Past the buffer's end a page is read into scratch first: the buffer grows only for a
            // page that was readable.
            var inPlace = bytes.Length >= done + take;
            var target = inPlace ? bytes.AsSpan(done, take) : scratch[..take];
            var ok = memory.TryRead(va, target, out var failure);
            readable[(int)((va - first) / Page)] = ok;
            if (ok)
            {
                if (!inPlace)
                {
                    bytes = Grow(bytes, end, (int)Math.Min(length, Math.Max(Math.Max(done + take, FirstCapacity), 2L * bytes.Length)));
                    target.CopyTo(bytes.AsSpan(done));
                }

                // An unreadable stretch between the last readable page and this one reads as zeros.
                bytes.AsSpan(end, done - end).Clear();
                end = done + take;
            }

            if (!ok && !previousFailed)
            {
                failures.Add(failure);
            }

            previousFailed = !ok;
            done += take;
        }

        if (bytes.Length != end)
        {
            bytes = Grow(bytes, end, end);
        }

        return new VirtualBuffer(address, bytes, readable, failures);
    }

    /// <summary>A buffer of <paramref name="capacity"/> bytes, not zeroed, holding the first <paramref name="keep"/> bytes of <paramref name="bytes"/>.</summary>
    private static byte[] Grow(byte[] bytes, int keep, int capacity)
    {
        var grown = GC.AllocateUninitializedArray<byte>(capacity);
        bytes.AsSpan(0, keep).CopyTo(grown);
        return grown;
    }

    /// <summary>Whether bytes [offset, offset + length) were all read.</summary>
    public bool IsReadable(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Bytes.Length)
        {
            return false;
        }

        var first = Address & ~(ulong)(Page - 1);
        var end = length == 0 ? offset : offset + length - 1;
        for (var page = (int)((Address + (ulong)offset - first) / Page); page <= (int)((Address + (ulong)end - first) / Page); page++)
        {
            if (!_readable[page])
            {
                return false;
            }
        }

        return true;
    }
}
