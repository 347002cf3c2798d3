using System.IO.MemoryMappedFiles;

namespace Nkdump.Formats.IO;

/// <summary>
/// A whole file mapped read-only into memory. Reads are bounds-checked spans over the mapping:
/// no copies and no per-read allocation, and safe from several threads at once.
/// An empty file has no mapping and every non-empty read fails.
/// </summary>
public sealed unsafe class MappedFile : IDisposable
{
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

    /// <param name="path">The file to map.</param>
    /// <param name="displayPath">The name errors use (a temporary file stands for what the user gave), default <paramref name="path"/>.</param>
    public static MappedFile Open(string path, string? displayPath = null)
    {
        var shownPath = displayPath ?? path;
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw new NkdumpException($"{shownPath}: cannot map the file into memory: {e.Message}", e);
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

    /// <summary>True when [offset, offset+length) lies inside the file.</summary>
    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    /// <summary>A span without a bounds check: only for ranges validated at open time.</summary>
    public ReadOnlySpan<byte> Unsafe(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ReadOnlySpan<byte>(_base + offset, length);
    }

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
