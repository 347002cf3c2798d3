using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Printk;

/// <summary>
/// Reads the variable-length record log_buf of kernels 3.5 to 5.9 (commit 7ff9554bb578 "printk:
/// convert byte-buffer to variable-length record buffer"). Each record is a struct printk_log
/// (named struct log before 3.11) followed by its text and its dictionary; a record with len 0
/// marks the end of the used buffer and means "continue at the start". Records run from
/// log_first_idx to log_next_idx, as makedumpfile's dump_dmesg() walks them.
/// </summary>
internal static class StructuredLogBufReader
{
    // struct printk_log is 16 bytes (3.5) to 24 (5.1, caller_id); more than 64 is not a record header.
    private const int MinRecordSize = 16;
    private const int MaxRecordSize = 64;

    public static KernelLog Read(KernelContext kernel)
    {
        var info = kernel.VmcoreInfo;
        var memory = kernel.Memory;

        // struct printk_log { u64 ts_nsec; u16 len; u16 text_len; u16 dict_len; u8 facility; u8 flags:5; u8 level:3; u32 caller_id; }
        // dict_len, facility and flags/level have no VMCOREINFO offsets and are read after text_len, hence its 6 bytes.
        var type = info.Size("printk_log") is not null ? "printk_log" : "log";
        var check = new LayoutCheck(info, $"log_buf layout (struct {type})");
        var recordSize = check.RequiredSize(type, MinRecordSize);
        if (recordSize > MaxRecordSize)
        {
            throw new NkdumpException($"VMCOREINFO's log_buf layout (struct {type}) is wrong: SIZE({type})={recordSize} is larger than the record header (at most {MaxRecordSize} bytes)");
        }

        var len = check.RequiredField($"{type}.len", 2, type, recordSize);
        var textLen = check.RequiredField($"{type}.text_len", 6, type, recordSize);
        var ts = check.RequiredField($"{type}.ts_nsec", 8, type, recordSize);
        foreach (var symbol in new[] { "log_first_idx", "log_next_idx", "log_buf_len" })
        {
            if (info.Symbol(symbol) is null)
            {
                check.Missing($"SYMBOL({symbol})");
            }
        }

        check.ThrowIfMissing();
        var callerOffset = check.OptionalField($"{type}.caller_id", 4, type, recordSize, "caller ids are not shown");
        var size = recordSize!.Value;

        var logBuf = memory.ReadPointer(info.Symbol("log_buf")!.Value, "the log_buf pointer");
        var logBufLength = memory.ReadUInt32(info.Symbol("log_buf_len")!.Value, "log_buf_len");
        var first = memory.ReadUInt32(info.Symbol("log_first_idx")!.Value, "log_first_idx");
        var next = memory.ReadUInt32(info.Symbol("log_next_idx")!.Value, "log_next_idx");
        if (logBufLength is 0 or > InputLimits.Kernel.LogBufBytes || first >= logBufLength || next >= logBufLength)
        {
            throw new NkdumpException($"log_buf is corrupt: log_buf_len={logBufLength}, log_first_idx={first}, log_next_idx={next}");
        }

        var buffer = VirtualBuffer.Read(memory, logBuf, (int)logBufLength);
        var problems = check.Problems.Concat(buffer.Failures.Select(f => $"part of log_buf is unreadable: {f}")).ToList();
        var bytes = buffer.Bytes;
        var records = new List<PrintkRecord>();
        var position = first;
        var maxRecords = (logBufLength / (uint)size) + 1;
        var cycle = $"log_buf is corrupt: the records from log_first_idx {first} never reach log_next_idx {next} (a cycle)";
        var wrapped = false;
        // Steps, not records, bound the walk: an end marker (len 0) at index 0 wraps to itself and adds no
        // record (found by fuzzing: the reader never returned). A real walk is its records and one wrap.
        for (long steps = 0; position != next; steps++)
        {
            if (steps > maxRecords + 1)
            {
                problems.Add(cycle);
                break;
            }

            if (position + (uint)size > logBufLength || !buffer.IsReadable(position, size))
            {
                problems.Add(position + (uint)size > logBufLength
                    ? $"log_buf is corrupt: record index {position} lies outside the {logBufLength}-byte buffer"
                    : $"log_buf record at index {position} is unreadable; the log stops there");
                break;
            }

            var record = bytes.AsSpan((int)position);
            var recordLength = BinaryPrimitives.ReadUInt16LittleEndian(record[len..]);
            if (recordLength == 0)
            {
                // The end-of-buffer marker: the next record is at the start. A walk from log_first_idx to
                // log_next_idx passes it once; a second time is a cycle, which would otherwise add the same
                // records again until the step bound (found by fuzzing: a 10 MiB log_buf_len over one
                // readable record made 263 MB of copies of it).
                if (wrapped)
                {
                    problems.Add(cycle);
                    break;
                }

                wrapped = true;
                position = 0;
                if (position == next)
                {
                    break;
                }

                continue;
            }

            int textLength = BinaryPrimitives.ReadUInt16LittleEndian(record[textLen..]);
            int dictLength = BinaryPrimitives.ReadUInt16LittleEndian(record[(textLen + 2)..]);
            if (recordLength < size || position + recordLength > logBufLength || size + textLength + dictLength > recordLength)
            {
                problems.Add($"log_buf is corrupt: record at index {position} has len {recordLength}, text_len {textLength}, dict_len {dictLength}");
                break;
            }

            if (!buffer.IsReadable(position, recordLength))
            {
                problems.Add($"log_buf record at index {position} is unreadable; the log stops there");
                break;
            }

            var levelByte = record[textLen + 5];
            var (subsystem, device) = ParseDict(record.Slice(size + textLength, dictLength));
            records.Add(new PrintkRecord
            {
                TimestampNs = BinaryPrimitives.ReadUInt64LittleEndian(record[ts..]),
                Facility = record[textLen + 4],
                Flags = levelByte & 0x1f,
                Level = levelByte >> 5,
                CallerId = callerOffset is { } cid ? BinaryPrimitives.ReadUInt32LittleEndian(record[cid..]) : null,
                Text = record.Slice(size, textLength).ToArray(),
                Subsystem = subsystem,
                Device = device,
            });
            position += recordLength;
        }

        return new KernelLog(KernelLogFormat.StructuredLogBuf, records, problems);
    }

    /// <summary>The dictionary is "KEY=value" strings separated by NULs (SUBSYSTEM=, DEVICE=).</summary>
    private static (string? Subsystem, string? Device) ParseDict(ReadOnlySpan<byte> dict)
    {
        string? subsystem = null, device = null;
        foreach (var entry in Encoding.UTF8.GetString(dict).Split('\0'))
        {
            if (entry.StartsWith("SUBSYSTEM=", StringComparison.Ordinal))
            {
                subsystem = entry["SUBSYSTEM=".Length..];
            }
            else if (entry.StartsWith("DEVICE=", StringComparison.Ordinal))
            {
                device = entry["DEVICE=".Length..];
            }
        }

        return (subsystem, device);
    }
}
