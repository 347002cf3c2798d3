using Microsoft.Win32.SafeHandles;

namespace Nkdump.Formats.IO;

/// <summary>
/// A file read with pread(2) at explicit offsets (<see cref="RandomAccess"/>): the fallback when a
/// file cannot be memory-mapped. /proc/vmcore has supported mmap only since Linux 3.11 (commit
/// 83086978c63a, "vmcore: support mmap() on /proc/vmcore"), some file systems and pseudo-files
/// (sysfs binary attributes, FUSE without mmap) refuse it with ENODEV, and makedumpfile's
/// --non-mmap asks for reads. Positional reads share no file position, so any number of threads
/// may read at once; nothing is allocated per read.
/// </summary>
internal sealed class PreadFile : IRandomAccessFile
{
    private readonly SafeFileHandle _handle;

    private PreadFile(string path, SafeFileHandle handle, long length, string reason)
    {
        Path = path;
        _handle = handle;
        Length = length;
        ReadReason = reason;
    }

    public string Path { get; }

    /// <summary>The open file, for a mapping of the same file (<see cref="WindowMappedFile"/>) without opening it twice.</summary>
    internal SafeFileHandle Handle => _handle;

    public long Length { get; }

    public bool IsMemoryMapped => false;

    public string? ReadReason { get; }

    /// <param name="path">The file to open.</param>
    /// <param name="shownPath">The name errors use.</param>
    /// <param name="reason">Why this file is read rather than mapped (shown to the user).</param>
    public static PreadFile Open(string path, string shownPath, string reason)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{shownPath}: cannot open: {e.Message}", e);
        }

        try
        {
            return new PreadFile(shownPath, handle, RandomAccess.GetLength(handle), reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            handle.Dispose();
            throw new NkdumpException($"{shownPath}: cannot read the file at offsets (not a regular file?): {e.Message}", e);
        }
    }

    public bool Contains(long offset, long length) =>
        offset >= 0 && length >= 0 && offset <= Length && length <= Length - offset;

    public void Read(long offset, Span<byte> destination)
    {
        if (!Contains(offset, destination.Length))
        {
            throw new DumpFormatException(Path, offset, $"{destination.Length} bytes needed but the file ends at {Length}");
        }

        // pread may return fewer bytes than asked (a signal, a pseudo-file's own chunking): go on from there.
        var done = 0;
        while (done < destination.Length)
        {
            int count;
            try
            {
                count = RandomAccess.Read(_handle, destination[done..], offset + done);
            }
            catch (IOException e)
            {
                throw new DumpFormatException(Path, offset + done, $"read() failed: {e.Message}");
            }

            if (count == 0)
            {
                throw new DumpFormatException(Path, offset + done, $"the file ends at {offset + done}, before the {Length} bytes its size says");
            }

            done += count;
        }
    }

    public void Dispose() => _handle.Dispose();
}
