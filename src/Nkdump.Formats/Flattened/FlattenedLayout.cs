namespace Nkdump.Formats.Flattened;

/// <summary>
/// makedumpfile's flattened format (-F), for writing a dump to a pipe: a 4 KiB header, then records
/// that each say where their bytes go in the real file. All integers are big-endian.
/// </summary>
internal static class FlattenedLayout
{
    // struct makedumpfile_header { char signature[16] = "makedumpfile"; int64_t type = 1; int64_t version = 1; }
    // padded with zeros to MAX_SIZE_MDF_HEADER (4096).
    public const int HeaderSize = 4096;
    public const int SignatureLength = 16;
    public const int Type = 16;
    public const int Version = 24;
    public const long TypeFlatHeader = 1;
    public const long VersionFlatHeader = 1;

    // struct makedumpfile_data_header { int64_t offset; int64_t buf_size; } then buf_size bytes.
    public const int RecordHeaderSize = 16;

    /// <summary>offset and buf_size both -1 end the stream (END_FLAG_FLAT_HEADER).</summary>
    public const long EndFlag = -1;

    public static ReadOnlySpan<byte> Signature => "makedumpfile"u8;
}
