using Nkdump.Formats.IO;

namespace Nkdump.Formats.Elf;

/// <summary>
/// One ELF64 little-endian file, whatever it is: a vmcore (ET_CORE), a vmlinux (ET_EXEC), a shared
/// library or program (ET_DYN), a kernel module (ET_REL). It is read over an
/// <see cref="IRandomAccessFile"/>, so only the parts asked for are read: the header at open, the
/// program and section header tables on first use, then single sections, notes, symbol tables or
/// dynamic entries on request. A 600 MiB vmcore costs no more than a small library.
/// Every count, offset and size comes from an untrusted file and is checked against the file's
/// length and <see cref="ElfLimits"/> before use; a bad file gives a <see cref="DumpFormatException"/>
/// naming the file and the byte offset of the field at fault.
/// The aspects live in partial files: program headers (<c>ElfFile.Segments.cs</c>), sections,
/// notes, symbols and dynamic entries.
/// </summary>
public sealed partial class ElfFile : IDisposable
{
    private readonly IRandomAccessFile _file;
    private readonly Lazy<ElfSegment[]> _segments;
    private readonly Lazy<ElfSection[]> _sections;

    private ElfFile(IRandomAccessFile file, ElfHeader header)
    {
        _file = file;
        Header = header;
        _segments = new Lazy<ElfSegment[]>(ReadSegments);
        _sections = new Lazy<ElfSection[]>(ReadSections);
    }

    /// <summary>The name errors use.</summary>
    public string Path => _file.Path;

    public long Length => _file.Length;

    public ElfHeader Header { get; }

    /// <summary>The file underneath, for readers of the data the headers describe (a core's pages).</summary>
    internal IRandomAccessFile File => _file;

    /// <summary>
    /// Opens the file at <paramref name="path"/> and reads its ELF header. By default the file is read
    /// with pread(2): a reader of a few sections gains nothing from mapping a large vmlinux.
    /// </summary>
    /// <param name="path">The file to open.</param>
    /// <param name="displayPath">The name errors use, default <paramref name="path"/>.</param>
    /// <param name="mode">How the bytes are read.</param>
    public static ElfFile Open(string path, string? displayPath = null, FileReadMode mode = FileReadMode.Read) =>
        Open(RandomAccessFile.Open(path, displayPath, mode));

    /// <summary>Reads the ELF header of an opened file; takes ownership of <paramref name="file"/> (also when it throws).</summary>
    public static ElfFile Open(IRandomAccessFile file) => Ownership.Take(file, f => new ElfFile(f, ReadHeader(f)));

    /// <summary>An ELF file already in memory; <paramref name="path"/> names it in errors.</summary>
    public static ElfFile Open(ReadOnlyMemory<byte> bytes, string path) => Open(new MemoryFile(bytes, path));

    /// <summary>True when <paramref name="head"/> (a file's first bytes) starts with the ELF magic.</summary>
    internal static bool HasMagic(ReadOnlySpan<byte> head) => head.StartsWith(ElfLayout.Magic);

    /// <summary>True when the file at <paramref name="path"/> starts with the ELF magic.</summary>
    public static bool IsElf(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var stream = System.IO.File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && HasMagic(head);
    }

    private static ElfHeader ReadHeader(IRandomAccessFile file)
    {
        var path = file.Path;
        Span<byte> ehdr = stackalloc byte[ElfLayout.EhdrSize];
        var head = ehdr[..(int)Math.Min(file.Length, ElfLayout.EhdrSize)];
        file.Read(0, head);
        if (!HasMagic(head))
        {
            throw new DumpFormatException(path, 0, "not an ELF file (no \\x7fELF magic)");
        }

        if (head.Length < ElfLayout.EhdrSize)
        {
            throw new DumpFormatException(path, 0, $"{ElfLayout.EhdrSize} bytes of ELF header needed but the file ends at {file.Length}");
        }

        if (ehdr[ElfLayout.EIdentClass] != ElfLayout.ElfClass64)
        {
            throw new DumpFormatException(path, ElfLayout.EIdentClass, $"ELF class {ehdr[ElfLayout.EIdentClass]} is not supported (only ELF64)");
        }

        if (ehdr[ElfLayout.EIdentData] != ElfLayout.ElfData2Lsb)
        {
            throw new DumpFormatException(path, ElfLayout.EIdentData, "big-endian ELF is not supported (only little-endian ELF64, as x86_64 uses)");
        }

        return ElfHeader.Parse(ehdr);
    }

    /// <summary>
    /// Reads <paramref name="size"/> bytes at <paramref name="offset"/>, both taken from the file, after
    /// checking them against <paramref name="limit"/> and the file's length. Errors name
    /// <paramref name="fieldAt"/>, the offset of the field that gave the range, and <paramref name="what"/>.
    /// </summary>
    internal byte[] ReadRange(ulong offset, ulong size, long limit, long fieldAt, string what)
    {
        if (size > (ulong)limit)
        {
            throw new DumpFormatException(Path, fieldAt, $"{what}: {size} bytes is more than the {limit} allowed");
        }

        CheckRange(offset, size, fieldAt, what);
        var bytes = new byte[size];
        _file.Read((long)offset, bytes);
        return bytes;
    }

    /// <summary>Throws unless [offset, offset+size) lies inside the file.</summary>
    internal void CheckRange(ulong offset, ulong size, long fieldAt, string what)
    {
        if (offset > (ulong)Length || size > (ulong)Length - offset)
        {
            throw new DumpFormatException(Path, fieldAt, $"{what}: {size} bytes at offset {offset} lie outside the file ({Length} bytes)");
        }
    }

    public void Dispose() => _file.Dispose();
}
