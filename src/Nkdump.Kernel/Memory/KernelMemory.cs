using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;

namespace Nkdump.Kernel.Memory;

/// <summary>
/// Reads a crashed kernel's virtual memory: physical memory plus an address translator. Every read
/// either returns the bytes the kernel had or fails naming the virtual address and why (not
/// mapped, or the page is excluded / not in the dump) — never zeros for missing memory.
/// Not thread-safe (the translator caches page tables); open one per worker.
/// </summary>
public sealed class KernelMemory(IPhysicalMemory physical, IAddressTranslator translator)
{
    /// <summary>Longest string <see cref="ReadCString"/> reads unless told otherwise.</summary>
    public const int DefaultMaxStringLength = 4096;

    public IPhysicalMemory Physical { get; } = physical;

    public IAddressTranslator Translator { get; } = translator;

    /// <summary>Reads <paramref name="destination"/>.Length bytes at a virtual address (the range may cross pages).</summary>
    public bool TryRead(ulong virtualAddress, Span<byte> destination, out KernelReadFailure failure)
    {
        var done = TryReadPrefix(virtualAddress, destination, out failure);
        return done == destination.Length;
    }

    /// <summary>
    /// Reads as much of the range as is readable from its start; returns the number of bytes read
    /// (and the failure that stopped it when short). For "print what you can" callers.
    /// </summary>
    public int TryReadPrefix(ulong virtualAddress, Span<byte> destination, out KernelReadFailure failure)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var address = unchecked(virtualAddress + (ulong)done);
            if (!Translator.TryTranslate(address, out var translation, out var translationFailure))
            {
                failure = new KernelReadFailure(address, translationFailure, null);
                return done;
            }

            var chunk = (int)Math.Min((ulong)(destination.Length - done), translation.ContiguousBytes);
            if (!Physical.TryRead(translation.PhysicalAddress, destination.Slice(done, chunk), out var physicalFailure))
            {
                // Report the virtual address of the first unreadable page, and keep the readable bytes before it
                // (the failed read may have left them unfilled, so read them again).
                var readable = physicalFailure.PhysicalAddress > translation.PhysicalAddress
                    ? (int)Math.Min((ulong)chunk, physicalFailure.PhysicalAddress - translation.PhysicalAddress)
                    : 0;
                if (readable > 0 && !Physical.TryRead(translation.PhysicalAddress, destination.Slice(done, readable), out _))
                {
                    readable = 0;
                }

                failure = new KernelReadFailure(address + (ulong)readable, null, physicalFailure);
                return done + readable;
            }

            done += chunk;
        }

        failure = default;
        return done;
    }

    public void Read(ulong virtualAddress, Span<byte> destination, string what = "")
    {
        if (!TryRead(virtualAddress, destination, out var failure))
        {
            throw new KernelReadException(what, failure);
        }
    }

    public byte[] ReadBytes(ulong virtualAddress, int length, string what = "")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var bytes = new byte[length];
        Read(virtualAddress, bytes, what);
        return bytes;
    }

    public ulong ReadUInt64(ulong virtualAddress, string what = "")
    {
        Span<byte> buffer = stackalloc byte[8];
        Read(virtualAddress, buffer, what);
        return BinaryPrimitives.ReadUInt64LittleEndian(buffer);
    }

    /// <summary>Reads a kernel pointer (8 bytes on x86_64).</summary>
    public ulong ReadPointer(ulong virtualAddress, string what = "") => ReadUInt64(virtualAddress, what);

    public uint ReadUInt32(ulong virtualAddress, string what = "")
    {
        Span<byte> buffer = stackalloc byte[4];
        Read(virtualAddress, buffer, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(buffer);
    }

    public ushort ReadUInt16(ulong virtualAddress, string what = "")
    {
        Span<byte> buffer = stackalloc byte[2];
        Read(virtualAddress, buffer, what);
        return BinaryPrimitives.ReadUInt16LittleEndian(buffer);
    }

    public bool TryReadUInt64(ulong virtualAddress, out ulong value, out KernelReadFailure failure)
    {
        Span<byte> buffer = stackalloc byte[8];
        var ok = TryRead(virtualAddress, buffer, out failure);
        value = ok ? BinaryPrimitives.ReadUInt64LittleEndian(buffer) : 0;
        return ok;
    }

    /// <summary>
    /// Reads a NUL-terminated string of at most <paramref name="maxLength"/> bytes (Latin-1, so
    /// every byte maps to one char). A string that runs into an unreadable page fails.
    /// </summary>
    public string ReadCString(ulong virtualAddress, int maxLength = DefaultMaxStringLength, string what = "")
    {
        var builder = new StringBuilder();
        Span<byte> chunk = stackalloc byte[256];
        var address = virtualAddress;
        while (builder.Length < maxLength)
        {
            // Never read past the end of the current page in one go: the string may end before an unreadable page.
            var pageLeft = (int)((ulong)Physical.PageSize - (address & ((ulong)Physical.PageSize - 1)));
            var take = Math.Min(Math.Min(chunk.Length, pageLeft), maxLength - builder.Length);
            var part = chunk[..take];
            Read(address, part, what);
            var end = part.IndexOf((byte)0);
            if (end >= 0)
            {
                builder.Append(Encoding.Latin1.GetString(part[..end]));
                return builder.ToString();
            }

            builder.Append(Encoding.Latin1.GetString(part));
            address += (ulong)take;
        }

        return builder.ToString();
    }
}
