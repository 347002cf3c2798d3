
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
    /// Reads up to <paramref name="length"/> bytes at <paramref name="address"/>. <see cref="Bytes"/> ends
    /// after the last readable page, and grows only as readable pages arrive: a length taken from the
    /// dump costs memory where the dump has the bytes, not where it says they are (found by fuzzing: a
    /// log_buf_len of 128 MiB over unmapped memory allocated 128 MiB).
    /// </summary>
    public static VirtualBuffer Read(KernelMemory memory, ulong address, int length)
    {
        var bytes = Array.Empty<byte>();
        var scratch = new byte[Page];
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
            var ok = memory.TryRead(va, scratch.AsSpan(0, take), out var failure);
            readable[(int)((va - first) / Page)] = ok;
            if (ok)
            {
                if (bytes.Length < done + take)
                {
                    Array.Resize(ref bytes, (int)Math.Min(length, Math.Max(done + take, 2L * bytes.Length)));
                }

                scratch.AsSpan(0, take).CopyTo(bytes.AsSpan(done));
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
            Array.Resize(ref bytes, end);
        }

        return new VirtualBuffer(address, bytes, readable, failures);
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
