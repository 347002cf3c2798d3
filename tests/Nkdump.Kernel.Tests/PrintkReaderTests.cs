using System.Buffers.Binary;
using System.Text;
using Nkdump.Kernel.Printk;
using Nkdump.Kernel.Tests.Synthetic;
using Nkdump.Testing.Builders;

namespace Nkdump.Kernel.Tests;

public class PrintkReaderTests
{
    private const ulong Text = SyntheticKernel.Text;

    // ---- structured log_buf (3.5 - 5.9) ----

    private const ulong LogBuf = Text + 0x100000;

    /// <summary>struct printk_log with caller_id (5.1+): 24 bytes; text, then dict, padded to 4 (LOG_ALIGN).</summary>
    private static byte[] LogRecord(ulong ts, string text, string dict = "", int facility = 0, int level = 6, uint caller = 1)
    {
        var textBytes = Encoding.ASCII.GetBytes(text);
        var dictBytes = Encoding.ASCII.GetBytes(dict);
        var length = (24 + textBytes.Length + dictBytes.Length + 3) & ~3;
        var record = new byte[length];
        BinaryPrimitives.WriteUInt64LittleEndian(record, ts);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(8), (ushort)length);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(10), (ushort)textBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(12), (ushort)dictBytes.Length);
        record[14] = (byte)facility;
        record[15] = (byte)(level << 5);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(16), caller);
        textBytes.CopyTo(record, 24);
        dictBytes.CopyTo(record, 24 + textBytes.Length);
        return record;
    }

    /// <param name="firstLine">A VMCOREINFO line placed before the layout (the first definition of a key wins).</param>
    private static SyntheticKernel LogBufKernel(uint first, uint next, uint length = 256, string? firstLine = null)
    {
        var kernel = new SyntheticKernel();
        if (firstLine is not null)
        {
            kernel.Line(firstLine);
        }

        kernel
            .Line($"SYMBOL(log_buf)={Text + 0x1000:x}").Line($"SYMBOL(log_buf_len)={Text + 0x1008:x}")
            .Line($"SYMBOL(log_first_idx)={Text + 0x100c:x}").Line($"SYMBOL(log_next_idx)={Text + 0x1010:x}")
            .Line("SIZE(printk_log)=24").Line("OFFSET(printk_log.ts_nsec)=0").Line("OFFSET(printk_log.len)=8")
            .Line("OFFSET(printk_log.text_len)=10").Line("OFFSET(printk_log.caller_id)=16");
        kernel.WriteUInt64(Text + 0x1000, LogBuf);
        kernel.WriteUInt32(Text + 0x1008, length);
        kernel.WriteUInt32(Text + 0x100c, first);
        kernel.WriteUInt32(Text + 0x1010, next);
        kernel.Write(LogBuf, new byte[length]);
        return kernel;
    }

    [Fact]
    public void StructuredLogBufWrapsAtTheEndMarker()
    {
        // 256-byte buffer: an old record at 128, the end marker (len 0) at 200, then the newest record at 0.
        var old = LogRecord(1_500_000_123, "first\nsecond line", "SUBSYSTEM=pci\0DEVICE=+pci:0000:00:1f.2", caller: 0x80000001);
        var newest = LogRecord(2_000_000_000, "wrapped", facility: 1, level: 4, caller: 42);
        var kernel = LogBufKernel(first: 128, next: (uint)newest.Length);
        kernel.Write(LogBuf + 128, old);
        kernel.Write(LogBuf, newest);

        var log = KernelLogReader.Read(kernel.Open());
        Assert.Equal(KernelLogFormat.StructuredLogBuf, log.Format);
        Assert.Empty(log.Problems);
        Assert.Equal(2, log.Records.Count);
        Assert.Equal("pci", log.Records[0].Subsystem);
        Assert.Equal("+pci:0000:00:1f.2", log.Records[0].Device);
        Assert.Equal("C1", log.Records[0].Caller);
        Assert.Equal((1, 4, "T42"), (log.Records[1].Facility, log.Records[1].Level, log.Records[1].Caller));
        Assert.Null(log.Records[1].Sequence);

        Assert.Equal(
            "[    1.500000] first\n               second line\n[    2.000000] wrapped\n",
            DmesgTextFormatter.Format(log.Records, caller: false));
        Assert.Equal(
            "[    1.500000] [      C1] first\n                          second line\n[    2.000000] [     T42] wrapped\n",
            DmesgTextFormatter.Format(log.Records, caller: true));
    }

    [Fact]
    public void StructuredLogBufCycleIsReportedAfterWhatWasRead()
    {
        // A record whose len points back at itself through the end marker never reaches log_next_idx.
        var record = LogRecord(1_000, "loop");
        var kernel = LogBufKernel(first: 0, next: 200);
        kernel.Write(LogBuf, record); // then zeros: len 0 = "wrap to 0" = the same record again
        var log = KernelLogReader.Read(kernel.Open());
        Assert.NotEmpty(log.Records);
        Assert.Contains(log.Problems, p => p.Contains("cycle"));
    }

    [Fact]
    public async Task StructuredLogBufEndMarkerAtTheStartIsACycleNotAHang()
    {
        // Found by fuzzing (printk-logbuf, hang): log_first_idx 0 holds an end marker (len 0), which wraps
        // to index 0 again without a record; the walk counted records only and never ended.
        var kernel = LogBufKernel(first: 0, next: 200);
        var log = await Task.Run(() => KernelLogReader.Read(kernel.Open())).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(log.Records);
        Assert.Contains(log.Problems, p => p.Contains("cycle"));
    }

    [Fact]
    public void StructuredLogBufLengthCostsMemoryOnlyWhereTheBufferIsReadable()
    {
        // Found by fuzzing (printk-logbuf, allocation): log_buf_len 128 MiB with log_buf in unmapped
        // memory allocated 128 MiB before finding that nothing there is readable.
        var kernel = LogBufKernel(first: 0, next: 16);
        kernel.WriteUInt64(Text + 0x1000, 0xffffc90000000000); // log_buf: vmalloc space, no page tables
        kernel.WriteUInt32(Text + 0x1008, 128u << 20);         // log_buf_len
        var context = kernel.Open();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var log = KernelLogReader.Read(context);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"reading an unreadable log_buf allocated {allocated} bytes");
        Assert.Empty(log.Records);
        Assert.Contains(log.Problems, p => p.Contains("unreadable"));
    }

    [Fact]
    public void StructuredLogBufCycleThroughTheEndMarkerIsWalkedOnce()
    {
        // Found by fuzzing (printk-logbuf, allocation): one readable record, then an end marker that wraps
        // back to it, in a log_buf_len of 16 MiB. The walk stopped only at the step bound (log_buf_len /
        // SIZE(printk_log)): 700,000 copies of the record, 61 MB allocated, where the dump holds 28 bytes.
        var kernel = LogBufKernel(first: 0, next: 200);
        kernel.Write(LogBuf, LogRecord(1_000, "loop"));
        kernel.WriteUInt32(Text + 0x1008, 16u << 20); // log_buf_len; only its first 256 bytes are in the dump
        var context = kernel.Open();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var log = KernelLogReader.Read(context);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"walking a cycle allocated {allocated} bytes");
        Assert.Equal(2, log.Records.Count); // log_first_idx to the marker, then once more from index 0
        Assert.Contains(log.Problems, p => p.Contains("cycle"));
    }

    [Fact]
    public void StructuredLogBufBadRecordLengthStopsWithAProblem()
    {
        var record = LogRecord(1_000, "ok");
        var bad = LogRecord(2_000, "bad");
        BinaryPrimitives.WriteUInt16LittleEndian(bad.AsSpan(8), 8); // len shorter than the header
        var kernel = LogBufKernel(first: 0, next: 200);
        kernel.Write(LogBuf, record);
        kernel.Write(LogBuf + (ulong)record.Length, bad);
        var log = KernelLogReader.Read(kernel.Open());
        Assert.Single(log.Records);
        Assert.Contains(log.Problems, p => p.Contains("corrupt") && p.Contains($"index {record.Length}"));
    }

    [Theory]
    [InlineData("OFFSET(printk_log.len)", "-8")]
    [InlineData("OFFSET(printk_log.text_len)", "-2")]
    [InlineData("OFFSET(printk_log.ts_nsec)", "20")]
    [InlineData("SIZE(printk_log)", "4294967320")]
    [InlineData("SIZE(printk_log)", "-24")]
    public void StructuredLogBufBadLayoutIsRefusedByName(string key, string value)
    {
        // Issue 17: a wrong VMCOREINFO value is named, never an ArgumentOutOfRangeException.
        var record = LogRecord(1_000, "ok");
        var kernel = LogBufKernel(first: 0, next: (uint)record.Length, firstLine: $"{key}={value}");
        kernel.Write(LogBuf, record);
        var e = Assert.Throws<Nkdump.Formats.NkdumpException>(() => KernelLogReader.Read(kernel.Open()));
        Assert.Contains($"{key}={value}", e.Message);
    }

    [Fact]
    public void StructuredLogBufWrongCallerIdIsDroppedWithAProblem()
    {
        var record = LogRecord(1_000, "ok");
        var kernel = LogBufKernel(first: 0, next: (uint)record.Length, firstLine: "OFFSET(printk_log.caller_id)=-4");
        kernel.Write(LogBuf, record);
        var log = KernelLogReader.Read(kernel.Open());
        Assert.Equal("ok", Encoding.ASCII.GetString(Assert.Single(log.Records).Text));
        Assert.Null(log.Records[0].CallerId);
        Assert.Contains(log.Problems, p => p.Contains("OFFSET(printk_log.caller_id)=-4 is negative"));
    }

    // ---- lockless ring buffer (5.10+), the 6.1 layout, a 4-descriptor ring and a 128-byte data ring ----

    private const ulong Prb = Text + 0x2000, Descs = Text + 0x3000, Infos = Text + 0x4000, Data = Text + 0x5000;

    private static SyntheticKernel RingKernel(ulong tailId, ulong headId)
    {
        var kernel = new SyntheticKernel().Line($"SYMBOL(prb)={Text + 0x1000:x}");
        foreach (var line in PrintkRingLayout.Lockless.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            kernel.Line(line);
        }

        kernel.WriteUInt64(Text + 0x1000, Prb);
        var ring = new byte[88];
        BinaryPrimitives.WriteUInt32LittleEndian(ring, 2); // desc_ring.count_bits
        BinaryPrimitives.WriteUInt64LittleEndian(ring.AsSpan(8), Descs);
        BinaryPrimitives.WriteUInt64LittleEndian(ring.AsSpan(16), Infos);
        BinaryPrimitives.WriteUInt64LittleEndian(ring.AsSpan(24), headId);
        BinaryPrimitives.WriteUInt64LittleEndian(ring.AsSpan(32), tailId);
        BinaryPrimitives.WriteUInt32LittleEndian(ring.AsSpan(48), 7); // text_data_ring.size_bits
        BinaryPrimitives.WriteUInt64LittleEndian(ring.AsSpan(56), Data);
        kernel.Write(Prb, ring);
        kernel.Write(Descs, new byte[4 * 24]);
        kernel.Write(Infos, new byte[4 * 88]);
        kernel.Write(Data, new byte[128]);
        return kernel;
    }

    private static void Record(SyntheticKernel kernel, ulong id, ulong state, ulong begin, ulong next, ulong seq, ulong ts, string text, string? device = null)
    {
        var index = id % 4;
        var desc = new byte[24];
        BinaryPrimitives.WriteUInt64LittleEndian(desc, (state << 62) | id);
        BinaryPrimitives.WriteUInt64LittleEndian(desc.AsSpan(8), begin);
        BinaryPrimitives.WriteUInt64LittleEndian(desc.AsSpan(16), next);
        kernel.Write(Descs + (index * 24), desc);

        var info = new byte[88];
        BinaryPrimitives.WriteUInt64LittleEndian(info, seq);
        BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(8), ts);
        BinaryPrimitives.WriteUInt16LittleEndian(info.AsSpan(16), (ushort)text.Length);
        info[19] = 6 << 5;
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(20), 7);
        if (device is not null)
        {
            Encoding.ASCII.GetBytes("usb").CopyTo(info, 24);
            Encoding.ASCII.GetBytes(device).CopyTo(info, 40);
        }

        kernel.Write(Infos + (index * 88), info);

        // The data block: the id, then the text; a block that crossed the end sits at offset 0.
        var at = begin / 128 == next / 128 ? begin % 128 : 0;
        kernel.WriteUInt64(Data + at, id);
        kernel.Write(Data + at + 8, Encoding.ASCII.GetBytes(text));
    }

    [Fact]
    public void LocklessRingReadsTailToHeadWithAWrappedBlock()
    {
        var kernel = RingKernel(tailId: 5, headId: 8);
        Record(kernel, 5, 2, begin: 200, next: 224, seq: 100, ts: 3_000_000_000, "hello ring five!");
        Record(kernel, 6, 2, begin: 224, next: 288, seq: 101, ts: 3_100_000_000, "wrapped to ring start!!!", device: "c189:1");
        Record(kernel, 7, 1, begin: 288, next: 304, seq: 102, ts: 3_200_000_000, "newest!!");
        Record(kernel, 8, 0, begin: 304, next: 320, seq: 103, ts: 3_300_000_000, "reserved"); // still being written: not a record

        var log = KernelLogReader.Read(kernel.Open());
        Assert.Empty(log.Problems);
        Assert.Equal(["hello ring five!", "wrapped to ring start!!!", "newest!!"], log.Records.Select(r => Encoding.ASCII.GetString(r.Text)));
        Assert.Equal([100UL, 101UL, 102UL], log.Records.Select(r => r.Sequence!.Value));
        Assert.Equal(("usb", "c189:1"), (log.Records[1].Subsystem, log.Records[1].Device));
        Assert.Equal("T7", log.Records[0].Caller);
    }

    [Fact]
    public void DataLessAndTruncatedRecords()
    {
        var kernel = RingKernel(tailId: 5, headId: 6);
        Record(kernel, 5, 2, begin: 1, next: 1, seq: 1, ts: 1, "x"); // FAILED_LPOS: no data
        Record(kernel, 6, 2, begin: 200, next: 212, seq: 2, ts: 2, "truncated text"); // block holds 4 bytes of text
        var log = KernelLogReader.Read(kernel.Open());
        Assert.Equal("trun", Encoding.ASCII.GetString(Assert.Single(log.Records).Text));
    }

    [Fact]
    public void UnprintableBytesAreEscapedLikeMakedumpfile()
    {
        var record = new PrintkRecord { TimestampNs = 12_345_678_901, Level = 6, Facility = 0, Text = [(byte)'a', 0x01, (byte)'\t', 0xc3, 0xa9, (byte)'z'] };
        Assert.Equal("[   12.345678] a\\x01\t\\xffffffc3\\xffffffa9z\n", DmesgTextFormatter.Format([record], caller: false));
    }
}
