using Nkdump.Formats.IO;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Kdump;

/// <summary>
/// A kdump-compressed dump: one file, or the parts of a makedumpfile --split set read as one.
/// </summary>
public sealed class KdumpDump : IKernelDump
{
    private readonly KdumpPhysicalMemory _memory;

    private KdumpDump(KdumpFile[] files, DumpFormat format)
    {
        Files = files;
        Format = format;
        _memory = new KdumpPhysicalMemory(files);
        var first = files[0];
        Notes = first.Notes;
        VmcoreInfo = first.VmcoreInfo;
        Cpus = CpuState.FromNotes(first.Notes);
    }

    public string Path => Files[0].Path;

    public DumpFormat Format { get; }

    /// <summary>The files of the set, ordered by start PFN (one unless split).</summary>
    public IReadOnlyList<KdumpFile> Files { get; }

    public KdumpHeader Header => Files[0].Header;

    public IPhysicalMemory Memory => _memory;

    public VmcoreInfo? VmcoreInfo { get; }

    public IReadOnlyList<CpuState> Cpus { get; }

    public IReadOnlyList<ElfNote> Notes { get; }

    /// <summary>See <see cref="KdumpPhysicalMemory.TryGetStored"/>.</summary>
    public bool TryGetStored(ulong pfn, out ReadOnlySpan<byte> stored, out Codecs.PageCompression compression) =>
        _memory.TryGetStored(pfn, out stored, out compression);

    public static KdumpDump Open(params string[] paths) => Open(paths, DumpFormat.KdumpCompressed);

    internal static KdumpDump Open(IReadOnlyList<string> paths, DumpFormat format, string? displayPath = null)
    {
        if (paths.Count == 0)
        {
            throw new ArgumentException("no files", nameof(paths));
        }

        var files = new List<KdumpFile>();
        try
        {
            foreach (var path in paths)
            {
                files.Add(KdumpFile.Open(path, paths.Count == 1 ? displayPath : null));
            }

            files.Sort((a, b) => a.Header.StartPfn.CompareTo(b.Header.StartPfn));
            var first = files[0];
            for (var i = 1; i < files.Count; i++)
            {
                var f = files[i];
                if (f.PageSize != first.PageSize || f.Header.MaxMapnr != first.Header.MaxMapnr || !f.Header.IsSplit || !first.Header.IsSplit)
                {
                    throw new DumpFormatException(f.Path, 0, $"not a part of the same split set as {first.Path} (page size, max_mapnr or split flag differ)");
                }

                if (f.Header.StartPfn < files[i - 1].Header.EndPfn)
                {
                    throw new DumpFormatException(f.Path, first.PageSize, $"split range [{f.Header.StartPfn}, {f.Header.EndPfn}) overlaps {files[i - 1].Path}");
                }
            }

            return new KdumpDump(files.ToArray(), format);
        }
        catch
        {
            foreach (var f in files)
            {
                f.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Opens one kdump-compressed file read through <paramref name="file"/> (the decrypted plaintext of
    /// an age file, a flattened file's records) rather than mapped; takes ownership of it when it succeeds.
    /// </summary>
    internal static KdumpDump Open(ISpanFile file, DumpFormat format) =>
        new([Ownership.Take(file, KdumpFile.Open)], format);

    public void Dispose()
    {
        _memory.Dispose();
        foreach (var f in Files)
        {
            f.Dispose();
        }
    }
}
