using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Nkdump.Formats.IO;

/// <summary>
/// A whole file mapped read-only into memory. Reads are bounds-checked spans over the mapping:
/// no copies and no per-read allocation, and safe from several threads at once.
/// An empty file has no mapping and every non-empty read fails.
/// </summary>
internal sealed unsafe partial class MappedFile : ISpanFile
{
    /// <summary>
    /// After this many bytes have been handed out, the mapping's pages are dropped from the process
    /// (madvise MADV_DONTNEED): the data stays in the page cache and faults back in on the next read,
    /// but a pass over a large dump does not keep it all counted in the process's resident set. This
    /// is what keeps the collector's peak RSS independent of the dump's size (makedumpfile maps
    /// /proc/vmcore in windows for the same reason).
    /// </summary>
    private const long ReleaseEveryBytes = 8L << 20;

    private const int MadvDontNeed = 4;

    private long _handedOut;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private bool _disposed;

    private MappedFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = pointer;
    }

    public string Path { get; }

    public long Length { get; }

    public bool IsMemoryMapped => true;

    public string? ReadReason => null;

    /// <param name="path">The file to map.</param>
    /// <param name="displayPath">The name errors use (a temporary file stands for what the user gave), default <paramref name="path"/>.</param>
    public static MappedFile Open(string path, string? displayPath = null)
    {
        var shownPath = displayPath ?? path;
        return TryOpen(path, shownPath, out var refusal)
            ?? throw new NkdumpException($"{shownPath}: cannot map the file into memory: {refusal}");
    }

    /// <summary>
    /// Maps the file, or returns null with the kernel's reason when mmap(2) is refused (an old
    /// kernel's /proc/vmcore, a file system without mmap): the caller may read it instead.
    /// Failing to open the file at all is not a refusal and throws.
    /// </summary>
    public static MappedFile? TryOpen(string path, string shownPath, out string? refusal)
    {
        refusal = null;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{shownPath}: cannot open: {e.Message}", e);
        }

        var length = stream.Length;
        if (length == 0)
        {
            stream.Dispose();
            return new MappedFile(shownPath, 0, null, null, null);
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(shownPath, length, map, view, pointer + view.PointerOffset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            refusal = e.Message;
            return null;
        }
    }

    /// <summary>The bytes [offset, offset+length); throws a <see cref="DumpFormatException"/> past the end.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        if (!Contains(offset, length))
        {
            throw new DumpFormatException(Path, offset, $"{length} bytes needed but the file ends at {Length}");
        }

        return Unsafe(offset, length);
    }

    /// <summary>Copies [offset, offset+destination.Length) out of the mapping; a <see cref="DumpFormatException"/> past the end.</summary>
    public void Read(long offset, Span<byte> destination) => Span(offset, destination.Length).CopyTo(destination);

    /// <summary>True when [offset, offset+length) lies inside the file.</summary>
    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    /// <summary>A span without a bounds check: only for ranges validated at open time.</summary>
    public ReadOnlySpan<byte> Unsafe(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Add(ref _handedOut, length) >= ReleaseEveryBytes)
        {
            ReleaseResidentPages();
        }

        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    /// <summary>The whole mapping serves every window: spans stay valid until the file is disposed.</summary>
    public IFileWindow OpenWindow(bool scattered = false) => new WholeMapping(this);

    private sealed class WholeMapping(MappedFile file) : IFileWindow
    {
        public ReadOnlySpan<byte> Span(long offset, int length) => file.Unsafe(offset, length);

        public void Dispose()
        {
        }
    }

    /// <summary>
    /// Drops the mapping's pages from the resident set. Safe while other threads read: a shared
    /// read-only file mapping refaults the same bytes. Mappings the kernel refuses to advise
    /// (such as /proc/vmcore's, which are not counted as resident anyway) are left as they are.
    /// </summary>
    private void ReleaseResidentPages()
    {
        Interlocked.Exchange(ref _handedOut, 0);
        if (_view is null)
        {
            return;
        }

        var start = _base - _view.PointerOffset;
        _ = Madvise(start, (nuint)(Length + _view.PointerOffset), MadvDontNeed);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(byte* address, nuint length, int advice);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
    }
}
