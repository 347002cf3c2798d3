using System.IO.MemoryMappedFiles;

namespace Nkdump.Formats.IO;

/// <summary>
/// A file read with pread(2) whose page data is mapped a window at a time, per thread: how the
/// collector reads /proc/vmcore.
/// <para>
/// Mapping all of /proc/vmcore at once costs the capture kernel memory in proportion to the crashed
/// machine: the kernel fills in the page tables of the whole mapping when mmap(2) is called
/// (mmap_vmcore remaps the old memory with remap_pfn_range), 2 MiB of page tables per GiB, so
/// 512 MiB for a 256 GiB machine, in a capture kernel that may have 256 MiB in all. makedumpfile maps
/// /proc/vmcore in small windows for this reason. Here each reading thread has one window of
/// <see cref="DefaultWindowBytes"/> that moves with its reads (unmapped, then mapped where the next
/// page is), and everything else (headers, notes, struct pages) is read with pread.
/// </para>
/// </summary>
public sealed unsafe class WindowMappedFile : IRandomAccessFile
{
    /// <summary>4 MiB, as makedumpfile's mmap windows: 8 KiB of page tables per thread.</summary>
    public const long DefaultWindowBytes = 4L << 20;

    /// <summary>
    /// The window of a view whose reads jump about (comparing a page with an earlier identical one):
    /// 256 KiB. With 4 MiB, the four such views of a -d 1 run held up to 16 MiB of the file mapped
    /// (peak RSS 38-41 MiB on the 6.12 fixture, against 29-30 MiB now), and were no faster.
    /// </summary>
    public const long ScatteredWindowBytes = 256L << 10;

    private readonly PreadFile _reads;
    private readonly MemoryMappedFile _map;
    private readonly long _windowBytes;

    private WindowMappedFile(PreadFile reads, MemoryMappedFile map, long windowBytes)
    {
        _reads = reads;
        _map = map;
        _windowBytes = windowBytes;
    }

    public string Path => _reads.Path;

    public long Length => _reads.Length;

    public bool IsMemoryMapped => true;

    public string? ReadReason => null;

    /// <summary>
    /// Opens the file, or returns null with the kernel's reason when it cannot be mapped (tried on the
    /// first page): the caller may read it with pread instead. Failing to open it at all throws.
    /// </summary>
    /// <param name="path">The file to open.</param>
    /// <param name="shownPath">The name errors use.</param>
    /// <param name="refusal">Why mmap was refused.</param>
    /// <param name="windowBytes">The size of each thread's window (tests use small ones).</param>
    public static WindowMappedFile? TryOpen(string path, string shownPath, out string? refusal, long windowBytes = DefaultWindowBytes)
    {
        refusal = null;
        var reads = PreadFile.Open(path, shownPath, "");
        if (reads.Length == 0)
        {
            reads.Dispose();
            refusal = "the file is empty";
            return null;
        }

        MemoryMappedFile? map = null;
        try
        {
            // The pread file's handle serves the mapping too (it stays open until the pread file is disposed).
            map = MemoryMappedFile.CreateFromFile(reads.Handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            using (map.CreateViewAccessor(0, Math.Min(reads.Length, Environment.SystemPageSize), MemoryMappedFileAccess.Read))
            {
            }

            return new WindowMappedFile(reads, map, Math.Max(Environment.SystemPageSize, windowBytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            map?.Dispose();
            reads.Dispose();
            refusal = e.Message;
            return null;
        }
    }

    public bool Contains(long offset, long length) => _reads.Contains(offset, length);

    public void Read(long offset, Span<byte> destination) => _reads.Read(offset, destination);

    public IFileWindow OpenWindow(bool scattered = false) => new Window(this, scattered ? Math.Min(_windowBytes, ScatteredWindowBytes) : _windowBytes);

    public void Dispose()
    {
        _map.Dispose();
        _reads.Dispose();
    }

    /// <summary>One thread's window: a mapping of at most a window's bytes, moved as reads need.</summary>
    private sealed class Window(WindowMappedFile file, long windowBytes) : IFileWindow
    {
        private MemoryMappedViewAccessor? _view;
        private byte* _pointer;
        private long _start;
        private long _end;

        public ReadOnlySpan<byte> Span(long offset, int length)
        {
            if (_view is null || offset < _start || offset + length > _end)
            {
                Move(offset, length);
            }

            return new ReadOnlySpan<byte>(_pointer + (offset - _start), length);
        }

        /// <summary>
        /// Maps the window-aligned window holding [offset, offset+length), or, for bytes that straddle
        /// two such windows (a segment at an offset that is not page-aligned), a window from the page
        /// they start in.
        /// </summary>
        private void Move(long offset, int length)
        {
            Release();
            var size = windowBytes;
            var start = offset / size * size;
            if (offset + length > start + size)
            {
                start = offset / Environment.SystemPageSize * Environment.SystemPageSize;
            }

            var bytes = Math.Min(Math.Max(size, offset + length - start), file.Length - start);
            try
            {
                _view = file._map.CreateViewAccessor(start, bytes, MemoryMappedFileAccess.Read);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not an IOException: the collector reads that as a failed write of the dump.
                throw new DumpFormatException(file.Path, offset, $"cannot map {bytes} bytes of the file at {start}: {e.Message}");
            }

            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _pointer = pointer + _view.PointerOffset;
            _start = start;
            _end = start + bytes;

        }

        private void Release()
        {
            if (_view is null)
            {
                return;
            }

            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _view = null;
        }

        public void Dispose() => Release();
    }
}
