using System.Buffers;
using System.Buffers.Binary;
using Nkdump.Formats.Elf;
using Nkdump.Formats.IO;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats.Flattened;

/// <summary>
/// Reads the flattened format from a file or a pipe and reassembles it into a normal file
/// (makedumpfile -R): every record's bytes are written at its offset.
/// </summary>
public static class FlattenedReader
{
    /// <summary>
    /// Copies the flattened stream <paramref name="input"/> (read sequentially: a pipe works) into the
    /// seekable <paramref name="output"/>. <paramref name="name"/> names the input in errors.
    /// Returns the reassembled file's length.
    /// </summary>
    public static long Reassemble(Stream input, Stream output, string name)
    {
        if (!output.CanSeek)
        {
            throw new NkdumpException("the reassembled dump must go to a regular file (it is written out of order)");
        }

        long position = 0;
        var header = new byte[FlattenedLayout.HeaderSize];
        var read = input.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < header.Length)
        {
            throw new DumpFormatException(name, read, $"stream ends inside the {FlattenedLayout.HeaderSize}-byte flattened header");
        }

        CheckHeader(header, name);
        position += header.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long end = 0;
            Span<byte> record = stackalloc byte[FlattenedLayout.RecordHeaderSize];
            while (true)
            {
                var got = input.ReadAtLeast(record, record.Length, throwOnEndOfStream: false);
                if (got < record.Length)
                {
                    throw new DumpFormatException(name, position + got, "stream ends without the end marker (a truncated flattened dump)");
                }

                if (!TryDecodeRecord(record, name, position, out var offset, out var size))
                {
                    break;
                }

                position += record.Length;
                output.Position = offset;
                var remaining = size;
                while (remaining > 0)
                {
                    var chunk = input.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                    if (chunk == 0)
                    {
                        throw new DumpFormatException(name, position, $"stream ends inside a record ({remaining} of {size} bytes missing)");
                    }

                    output.Write(buffer, 0, chunk);
                    remaining -= chunk;
                    position += chunk;
                }

                end = Math.Max(end, offset + size);
            }

            if (output.Length < end)
            {
                output.SetLength(end);
            }

            output.Flush();
            return end;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reassembles the file at <paramref name="inputPath"/> into <paramref name="outputPath"/>, a new
    /// file (<see cref="DumpFile"/>; an existing one is replaced only with <paramref name="overwrite"/>).
    /// </summary>
    public static long Reassemble(string inputPath, string outputPath, bool overwrite = false)
    {
        using var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var output = DumpFile.Create(outputPath, overwrite, bufferSize: 1 << 16);
        return Reassemble(input, output, inputPath);
    }

    /// <summary>
    /// Opens a flattened dump for reading: reassembles it into an unlinked temporary file (in TMPDIR)
    /// and opens that; the space is freed when the dump is disposed.
    /// </summary>
    public static IKernelDump OpenReassembled(string path)
    {
        var temporary = TemporaryPath();
        try
        {
            Reassemble(path, temporary);
            return OpenTemporary(temporary, path, flattened: true);
        }
        finally
        {
            // The mapping keeps the data alive; the name can go now.
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Opens a dump arriving through a pipe (any format): <paramref name="head"/> holds the bytes
    /// already read from <paramref name="input"/> to recognise it. The dump is copied (or, when
    /// flattened, reassembled) into an unlinked temporary file in TMPDIR.
    /// </summary>
    internal static IKernelDump OpenSequential(Stream input, byte[] head, DumpFormat format, string path)
    {
        var temporary = TemporaryPath();
        try
        {
            using (var output = DumpFile.Create(temporary, overwrite: false, bufferSize: 1 << 16))
            {
                var whole = new PrefixedStream(head, input);
                if (format == DumpFormat.Flattened)
                {
                    Reassemble(whole, output, path);
                }
                else
                {
                    whole.CopyTo(output, 1 << 20);
                }
            }

            return OpenTemporary(temporary, path, format == DumpFormat.Flattened);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string TemporaryPath() =>
        Path.Combine(Path.GetTempPath(), $"nkdump-reassembled-{Environment.ProcessId}-{Guid.NewGuid():N}");

    private static IKernelDump OpenTemporary(string temporary, string path, bool flattened) => DumpOpener.Probe(temporary) switch
    {
        DumpFormat.KdumpCompressed => KdumpDump.Open([temporary], flattened ? DumpFormat.Flattened : DumpFormat.KdumpCompressed, path),
        DumpFormat.Elf => ElfVmcore.Open(temporary, path),
        _ => throw new DumpFormatException(path, flattened ? FlattenedLayout.HeaderSize : 0, "the reassembled flattened dump is neither kdump-compressed nor ELF"),
    };

    /// <summary>Reads <paramref name="prefix"/> first, then <paramref name="rest"/>.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _used;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_used < prefix.Length)
            {
                var count = Math.Min(buffer.Length, prefix.Length - _used);
                prefix.AsSpan(_used, count).CopyTo(buffer);
                _used += count;
                return count;
            }

            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>
    /// Decodes the record header <paramref name="record"/> found at <paramref name="position"/>: false for
    /// the end marker, a <see cref="DumpFormatException"/> for an offset or size out of bounds.
    /// </summary>
    internal static bool TryDecodeRecord(ReadOnlySpan<byte> record, string name, long position, out long offset, out long size)
    {
        offset = BinaryPrimitives.ReadInt64BigEndian(record);
        size = BinaryPrimitives.ReadInt64BigEndian(record[8..]);
        if (offset == FlattenedLayout.EndFlag && size == FlattenedLayout.EndFlag)
        {
            return false;
        }

        if (offset < 0 || size < 0 || size > InputLimits.Dump.FlattenedRecordBytes || offset > InputLimits.Dump.FlattenedOffset)
        {
            throw new DumpFormatException(name, position, $"bad flattened record: offset {offset}, size {size}");
        }

        return true;
    }

    internal static void CheckHeader(ReadOnlySpan<byte> header, string name)
    {
        if (!header[..FlattenedLayout.Signature.Length].SequenceEqual(FlattenedLayout.Signature)
            || header[FlattenedLayout.Signature.Length..FlattenedLayout.SignatureLength].IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new DumpFormatException(name, 0, "no flattened \"makedumpfile\" signature");
        }

        var type = BinaryPrimitives.ReadInt64BigEndian(header[FlattenedLayout.Type..]);
        var version = BinaryPrimitives.ReadInt64BigEndian(header[FlattenedLayout.Version..]);
        if (type != FlattenedLayout.TypeFlatHeader || version != FlattenedLayout.VersionFlatHeader)
        {
            throw new DumpFormatException(name, FlattenedLayout.Type, $"flattened header type {type} version {version} (expected 1 and 1)");
        }
    }
}
