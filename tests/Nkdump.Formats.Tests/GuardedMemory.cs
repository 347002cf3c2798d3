using System.Runtime.InteropServices;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Memory whose end touches an inaccessible page, so that reading or writing one byte past a span
/// that ends there crashes the test instead of passing unnoticed. Linux x86_64 (mmap, mprotect).
/// </summary>
internal sealed unsafe partial class GuardedMemory : IDisposable
{
    private const int ProtNone = 0;
    private const int ProtReadWrite = 3;
    private const int MapPrivateAnonymous = 0x22;

    private readonly byte* _start;
    private readonly nuint _usable;
    private readonly nuint _mapped;

    public GuardedMemory(int size)
    {
        var page = (nuint)Environment.SystemPageSize;
        _usable = ((nuint)size + page - 1) / page * page;
        _mapped = _usable + page;
        _start = (byte*)Mmap(null, _mapped, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        if (_start == (byte*)-1 || Mprotect(_start + _usable, page, ProtNone) != 0)
        {
            throw new InvalidOperationException($"mmap/mprotect failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The last <paramref name="length"/> usable bytes: the guard page follows them.</summary>
    public Span<byte> Tail(int length) =>
        length <= (int)_usable ? new Span<byte>(_start + _usable - (nuint)length, length) : throw new ArgumentOutOfRangeException(nameof(length));

    /// <summary>Copies <paramref name="bytes"/> to the end of the memory and returns them there.</summary>
    public Span<byte> Place(ReadOnlySpan<byte> bytes)
    {
        var tail = Tail(bytes.Length);
        bytes.CopyTo(tail);
        return tail;
    }

    public void Dispose() => _ = Munmap(_start, _mapped);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);
}
