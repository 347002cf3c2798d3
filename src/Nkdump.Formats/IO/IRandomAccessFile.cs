namespace Nkdump.Formats.IO;

/// <summary>How a dump file's bytes are read.</summary>
public enum FileReadMode
{
    /// <summary>Memory-map the file; if the kernel or file system refuses mmap(2), read with pread(2) instead (makedumpfile's default).</summary>
    MapOrRead,

    /// <summary>Memory-map the file or fail.</summary>
    Map,

    /// <summary>Never map: every read is a pread(2) into the caller's buffer (makedumpfile --non-mmap).</summary>
    Read,

    /// <summary>
    /// Read with pread(2), and map only windows of the file for page data (see
    /// <see cref="WindowMappedFile"/>); pread alone if the kernel refuses mmap. For /proc/vmcore.
    /// </summary>
    MapWindowsOrRead,
}

/// <summary>
/// The bytes of a dump file by offset, whichever way they are read: a mapping (<see cref="MappedFile"/>)
/// or pread(2) (<see cref="PreadFile"/>). Reads copy into the caller's span, so a reader over this
/// interface allocates nothing per page either way; both are safe from several threads at once.
/// </summary>
public interface IRandomAccessFile : IDisposable
{
    /// <summary>The name errors use.</summary>
    string Path { get; }

    long Length { get; }

    /// <summary>True when reads come from a memory mapping, false when they are pread(2) calls.</summary>
    bool IsMemoryMapped { get; }

    /// <summary>Why the file is not memory-mapped (mmap refused, or the caller asked to read), or null when it is.</summary>
    string? ReadReason { get; }

    /// <summary>True when [offset, offset+length) lies inside the file.</summary>
    bool Contains(long offset, long length);

    /// <summary>
    /// Copies the bytes [offset, offset+destination.Length) into <paramref name="destination"/>; throws a
    /// <see cref="DumpFormatException"/> naming the offset when the range is not in the file (or the
    /// file turned out shorter than its size said).
    /// </summary>
    void Read(long offset, Span<byte> destination);

    /// <summary>
    /// A mapped view of the file for one thread (<see cref="IFileWindow"/>), or null when the file is
    /// read with pread(2) and has no mapping. <paramref name="scattered"/>: the reads will jump about
    /// the file rather than move along it, so a windowed file maps less at a time.
    /// </summary>
    IFileWindow? OpenWindow(bool scattered = false) => null;
}

/// <summary>
/// Bytes of a mapped file in place, for one thread: a span stays valid until the next call or until
/// the window is disposed, because the window may be moved (unmapped and mapped elsewhere) to serve it.
/// </summary>
public interface IFileWindow : IDisposable
{
    /// <summary>The bytes [offset, offset+length), which the caller has checked lie inside the file.</summary>
    ReadOnlySpan<byte> Span(long offset, int length);
}

/// <summary>Opens an <see cref="IRandomAccessFile"/> in the requested <see cref="FileReadMode"/>.</summary>
public static class RandomAccessFile
{
    /// <param name="path">The file to open.</param>
    /// <param name="displayPath">The name errors use, default <paramref name="path"/>.</param>
    /// <param name="mode">Map, read, or map with a fall back to read.</param>
    public static IRandomAccessFile Open(string path, string? displayPath = null, FileReadMode mode = FileReadMode.MapOrRead)
    {
        var shownPath = displayPath ?? path;
        if (mode == FileReadMode.Read)
        {
            return PreadFile.Open(path, shownPath, "reading without mmap() as asked (--non-mmap)");
        }

        if (mode == FileReadMode.Map)
        {
            return MappedFile.Open(path, displayPath);
        }

        if (mode == FileReadMode.MapWindowsOrRead)
        {
            var windowed = WindowMappedFile.TryOpen(path, shownPath, out var windowRefusal);
            return windowed ?? (IRandomAccessFile)PreadFile.Open(path, shownPath, $"mmap() refused ({windowRefusal}): reading with read() instead");
        }

        var mapped = MappedFile.TryOpen(path, shownPath, out var refusal);
        return mapped ?? (IRandomAccessFile)PreadFile.Open(path, shownPath, $"mmap() refused ({refusal}): reading with read() instead");
    }
}
