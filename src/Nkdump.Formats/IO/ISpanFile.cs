namespace Nkdump.Formats.IO;

/// <summary>
/// A file whose bytes can be handed out in place as spans, without a copy into the caller's buffer: a
/// mapping (<see cref="MappedFile"/>), or a layer over one that keeps its bytes in immutable buffers
/// (the decrypted chunks of <see cref="Age.AgeFile"/>, the records of a flattened file). The kdump
/// reader works on this. A span stays valid as long as the file is open; safe from several threads.
/// </summary>
public interface ISpanFile : IRandomAccessFile
{
    /// <summary>The bytes [offset, offset+length); throws a <see cref="DumpFormatException"/> past the end.</summary>
    ReadOnlySpan<byte> Span(long offset, int length)
    {
        if (!Contains(offset, length))
        {
            throw new DumpFormatException(Path, offset, $"{length} bytes needed but the file ends at {Length}");
        }

        return Unsafe(offset, length);
    }

    /// <summary>The bytes [offset, offset+length) without a bounds check: only for ranges validated at open time.</summary>
    ReadOnlySpan<byte> Unsafe(long offset, int length);
}
