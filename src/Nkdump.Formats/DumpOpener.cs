using Nkdump.Formats.Age;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;
using Nkdump.Formats.Kdump;

namespace Nkdump.Formats;

/// <summary>
/// Opens a dump of any supported format: it probes the first bytes (ELF magic, "KDUMP   ",
/// the flattened "makedumpfile" signature) and hands the file to the matching reader. An
/// age-encrypted file (vmcore.age) is opened with the identities given (<see cref="AgeDumpOpener"/>).
/// </summary>
public static class DumpOpener
{
    /// <param name="path">The dump.</param>
    /// <param name="identities">The keys that open an age-encrypted dump (--identity); null or none for a dump in the clear.</param>
    public static IKernelDump Open(string path, IReadOnlyList<AgeIdentity>? identities = null)
    {
        if (AgeDumpOpener.IsAge(path))
        {
            return AgeDumpOpener.Open(path, identities);
        }

        var format = Probe(path, out var pipe);
        if (pipe is not null)
        {
            // A pipe: what was read to probe it is gone, so the copy starts from those bytes.
            using (pipe.Stream)
            {
                return FlattenedReader.OpenSequential(pipe.Stream, pipe.Head, format, path);
            }
        }

        return format switch
        {
            DumpFormat.Elf => ElfVmcore.Open(path),
            DumpFormat.KdumpCompressed => KdumpDump.Open(path),
            _ => FlattenedReader.OpenReassembled(path),
        };
    }

    /// <summary>
    /// Opens several files as one dump: the parts of a makedumpfile --split set (any order).
    /// One path is the same as <see cref="Open(string)"/>.
    /// </summary>
    public static IKernelDump Open(IReadOnlyList<string> paths, IReadOnlyList<AgeIdentity>? identities = null)
    {
        if (paths.Count == 1)
        {
            return Open(paths[0], identities);
        }

        foreach (var path in paths)
        {
            if (Probe(path) != DumpFormat.KdumpCompressed)
            {
                throw new NkdumpException($"{path}: only kdump-compressed files can be opened as a split set");
            }
        }

        return KdumpDump.Open([.. paths]);
    }

    /// <summary>Whether the file at <paramref name="path"/> is age-encrypted (its dump format is then known only to the identity's holder).</summary>
    public static bool IsEncrypted(string path) => Age.AgeDumpOpener.IsAge(path);

    /// <summary>The format of the file at <paramref name="path"/> from its first bytes.</summary>
    public static DumpFormat Probe(string path)
    {
        var format = Probe(path, out var pipe);
        pipe?.Stream.Dispose();
        return format;
    }

    /// <summary>An opened pipe (not seekable) and the bytes already read from it.</summary>
    private sealed record PipeInput(FileStream Stream, byte[] Head);

    private static DumpFormat Probe(string path, out PipeInput? pipe)
    {
        var head = new byte[16];
        int read;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"{path}: cannot open: {e.Message}", e);
        }

        try
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            var format = Probe(head.AsSpan(0, read)) ?? throw new DumpFormatException(path, 0, read < 16
                ? $"file too short to be a dump ({read} bytes)"
                : "not a dump: no ELF magic, no \"KDUMP   \" signature and no flattened \"makedumpfile\" signature");
            pipe = stream.CanSeek ? null : new PipeInput(stream, head);
            if (pipe is null)
            {
                stream.Dispose();
            }

            return format;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The format of an opened file from its first bytes, or null when they name none.</summary>
    public static DumpFormat? Probe(IRandomAccessFile file)
    {
        Span<byte> head = stackalloc byte[16];
        var length = (int)Math.Min(file.Length, head.Length);
        file.Read(0, head[..length]);
        return Probe(head[..length]);
    }

    /// <summary>The format the first 16 bytes of a file say, or null.</summary>
    public static DumpFormat? Probe(ReadOnlySpan<byte> head)
    {
        if (ElfFile.HasMagic(head))
        {
            return DumpFormat.Elf;
        }

        if (head.Length >= 8 && head[..8].SequenceEqual("KDUMP   "u8))
        {
            return DumpFormat.KdumpCompressed;
        }

        if (head.Length >= 16 && head[..12].SequenceEqual("makedumpfile"u8) && head[12..16].IndexOfAnyExcept((byte)0) < 0)
        {
            return DumpFormat.Flattened;
        }

        return null;
    }
}
