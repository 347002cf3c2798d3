using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Memory;

namespace Nkdump.Kernel.Printk;

/// <summary>
/// Reads the lockless printk ring buffer (5.10+, kernel/printk/printk_ringbuffer.h) using only
/// the layout VMCOREINFO gives. The ring has descriptors (id + state in state_var, the text block's
/// logical positions), parallel printk_info records (seq, timestamp, text length, caller, device)
/// and a data ring of blocks that start with the descriptor id; a block that would cross the end
/// of the data ring is stored at its start instead. Records are visited from tail_id to head_id,
/// as makedumpfile's dump_lockless_dmesg() does, keeping committed and finalized ones.
/// </summary>
internal static class LocklessRingBufferReader
{
    // state_var: the top two bits are the state, the rest the descriptor id (DESC_SV_BITS = 64).
    private const int FlagsShift = 62;
    private const ulong IdMask = ~(3UL << FlagsShift);
    private const ulong StateCommitted = 1, StateFinalized = 2;

    public static KernelLog Read(KernelContext kernel)
    {
        var info = kernel.VmcoreInfo;
        var memory = kernel.Memory;
        var layout = PrbLayout.From(info);
        var problems = new List<string>(layout.Problems);

        var prb = memory.ReadPointer(info.Symbol("prb")!.Value, "the prb pointer (SYMBOL(prb))");
        var ring = memory.ReadBytes(prb, layout.RingBufferSize, "struct printk_ringbuffer");
        var descRing = ring.AsSpan(layout.DescRing);
        var dataRing = ring.AsSpan(layout.TextDataRing);

        var countBits = BinaryPrimitives.ReadUInt32LittleEndian(descRing[layout.DescRingCountBits..]);
        var sizeBits = BinaryPrimitives.ReadUInt32LittleEndian(dataRing[layout.DataRingSizeBits..]);
        // The kernel sizes the descriptor ring from the text ring (count_bits = size_bits - PRB_AVGBITS): more descriptors than text bytes is corruption.
        if (countBits > InputLimits.Kernel.PrintkDescriptorCountBits || sizeBits > InputLimits.Kernel.PrintkTextSizeBits || sizeBits < 3 || countBits > sizeBits)
        {
            throw new NkdumpException($"printk ring buffer at 0x{prb:x} is corrupt: desc_ring.count_bits={countBits}, text_data_ring.size_bits={sizeBits}");
        }

        var count = 1UL << (int)countBits;
        var dataSize = 1UL << (int)sizeBits;
        var descsAddress = BinaryPrimitives.ReadUInt64LittleEndian(descRing[layout.DescRingDescs..]);
        var infosAddress = BinaryPrimitives.ReadUInt64LittleEndian(descRing[layout.DescRingInfos..]);
        var headId = BinaryPrimitives.ReadUInt64LittleEndian(descRing[(layout.DescRingHeadId + layout.AtomicCounter)..]);
        var tailId = BinaryPrimitives.ReadUInt64LittleEndian(descRing[(layout.DescRingTailId + layout.AtomicCounter)..]);
        var dataAddress = BinaryPrimitives.ReadUInt64LittleEndian(dataRing[layout.DataRingData..]);

        // count <= 2^23, sizes <= InputLimits.Kernel.PrintkStructBytes: no overflow.
        long descBytes = (long)count * layout.DescSize, infoBytes = (long)count * layout.InfoSize;
        if (descBytes + infoBytes + (long)dataSize > InputLimits.Kernel.PrintkRingBytes)
        {
            throw new NkdumpException($"the printk ring buffer at 0x{prb:x} would need {descBytes + infoBytes + (long)dataSize} bytes (desc_ring.count_bits={countBits}, SIZE(prb_desc)={layout.DescSize}, SIZE(printk_info)={layout.InfoSize}, text_data_ring.size_bits={sizeBits}), more than the {InputLimits.Kernel.PrintkRingBytes} nkdump reads");
        }

        var descs = VirtualBuffer.Read(memory, descsAddress, (int)descBytes);
        var infos = VirtualBuffer.Read(memory, infosAddress, (int)infoBytes);
        var data = VirtualBuffer.Read(memory, dataAddress, (int)dataSize);
        Report(problems, "prb.desc_ring.descs", descs);
        Report(problems, "prb.desc_ring.infos", infos);
        Report(problems, "prb.text_data_ring.data", data);

        // head_id and tail_id are ids (DESC_ID() in printk_ringbuffer.c): state bits there are corruption.
        if (((headId | tailId) & ~IdMask) != 0)
        {
            problems.Add($"printk ring buffer at 0x{prb:x} is corrupt: head_id 0x{headId:x} or tail_id 0x{tailId:x} has state bits set; they are ignored");
            headId &= IdMask;
            tailId &= IdMask;
        }

        // From tail to head: at most count descriptors, more means the ids are corrupt.
        var span = (headId - tailId) & IdMask;
        if (span >= count)
        {
            problems.Add($"printk ring buffer at 0x{prb:x} is corrupt: head_id 0x{headId:x} and tail_id 0x{tailId:x} are {span} apart, but the ring has {count} descriptors; reading the last {count}");
            tailId = (headId - count + 1) & IdMask;
        }

        var records = new List<PrintkRecord>();
        var skipped = 0;
        // span < count now, so head_id comes within count steps; the bound is there all the same.
        var id = tailId;
        for (ulong step = 0; step < count; step++, id = (id + 1) & IdMask)
        {
            var index = (long)(id % count);
            var descOffset = index * layout.DescSize;
            var infoOffset = index * layout.InfoSize;
            if (!descs.IsReadable(descOffset, layout.DescSize) || !infos.IsReadable(infoOffset, layout.InfoSize))
            {
                skipped++;
            }
            else if (ReadRecord(layout, descs.Bytes.AsSpan((int)descOffset, layout.DescSize), infos.Bytes.AsSpan((int)infoOffset, layout.InfoSize), id, data, dataSize, ref skipped) is { } record)
            {
                records.Add(record);
            }

            if (id == headId)
            {
                break;
            }
        }

        if (skipped > 0)
        {
            problems.Add($"{skipped} record(s) could not be read");
        }

        return new KernelLog(KernelLogFormat.LocklessRingBuffer, records, problems);
    }

    private static PrintkRecord? ReadRecord(PrbLayout layout, ReadOnlySpan<byte> desc, ReadOnlySpan<byte> info, ulong id, VirtualBuffer data, ulong dataSize, ref int skipped)
    {
        var stateVar = BinaryPrimitives.ReadUInt64LittleEndian(desc[(layout.DescStateVar + layout.AtomicCounter)..]);
        var state = stateVar >> FlagsShift;
        if ((stateVar & IdMask) != id || (state != StateCommitted && state != StateFinalized))
        {
            return null; // reserved by a writer, reusable, or an older id: not a record
        }

        var beginLpos = BinaryPrimitives.ReadUInt64LittleEndian(desc[(layout.DescTextBlkLpos + layout.LposBegin)..]);
        var nextLpos = BinaryPrimitives.ReadUInt64LittleEndian(desc[(layout.DescTextBlkLpos + layout.LposNext)..]);
        // Data-less records (LPOS_DATALESS: FAILED_LPOS or NO_LPOS, or begin == next) have no text; makedumpfile prints nothing for them.
        if ((beginLpos & 1) != 0 || beginLpos == nextLpos)
        {
            return null;
        }

        // As get_data() in printk_ringbuffer.c: a block in one wrap of the ring lies at begin; a block
        // that would have crossed the end was stored whole at the start of the ring instead.
        ulong begin, next = nextLpos % dataSize;
        var beginWrap = beginLpos / dataSize;
        var nextWrap = nextLpos / dataSize;
        if (beginWrap == nextWrap)
        {
            begin = beginLpos % dataSize;
        }
        else if (beginWrap + 1 == nextWrap)
        {
            begin = 0;
        }
        else
        {
            skipped++;
            return null; // corrupt positions: the block cannot span more than one wrap
        }

        begin += 8; // the block starts with its descriptor id
        int textLength = BinaryPrimitives.ReadUInt16LittleEndian(info[layout.InfoTextLen..]);
        if (next < begin)
        {
            skipped++;
            return null;
        }

        if (next - begin < (ulong)textLength)
        {
            textLength = (int)(next - begin); // truncated record
        }

        if (!data.IsReadable((long)begin, textLength))
        {
            skipped++;
            return null;
        }

        // struct printk_info { u64 seq; u64 ts_nsec; u16 text_len; u8 facility; u8 flags:5; u8 level:3; u32 caller_id; struct dev_printk_info dev_info; }
        // VMCOREINFO has no offsets for facility and flags/level: they follow text_len.
        var levelByte = info[layout.InfoTextLen + 3];
        return new PrintkRecord
        {
            Sequence = BinaryPrimitives.ReadUInt64LittleEndian(info[layout.InfoSeq..]),
            TimestampNs = BinaryPrimitives.ReadUInt64LittleEndian(info[layout.InfoTsNsec..]),
            Facility = info[layout.InfoTextLen + 2],
            Flags = levelByte & 0x1f,
            Level = levelByte >> 5,
            CallerId = layout.InfoCallerId is { } c ? BinaryPrimitives.ReadUInt32LittleEndian(info[c..]) : null,
            Text = data.Bytes.AsSpan((int)begin, textLength).ToArray(),
            Subsystem = layout.Subsystem is { } s ? CString(info.Slice(s.Offset, s.Length)) : null,
            Device = layout.Device is { } d ? CString(info.Slice(d.Offset, d.Length)) : null,
        };
    }

    private static string? CString(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        var text = end >= 0 ? bytes[..end] : bytes;
        return text.IsEmpty ? null : Encoding.UTF8.GetString(text);
    }

    private static void Report(List<string> problems, string what, VirtualBuffer buffer)
    {
        foreach (var failure in buffer.Failures)
        {
            problems.Add($"part of {what} is unreadable: {failure}");
        }
    }
}
