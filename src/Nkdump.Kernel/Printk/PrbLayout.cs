using Nkdump.Formats;

namespace Nkdump.Kernel.Printk;

/// <summary>The printk ring buffer's structure layout as VMCOREINFO states it (log_buf_vmcoreinfo_setup() in kernel/printk/printk.c, 5.10+).</summary>
internal sealed record PrbLayout
{
    public required int RingBufferSize { get; init; }
    public required int DescRing { get; init; }
    public required int TextDataRing { get; init; }
    public required int DescRingCountBits { get; init; }
    public required int DescRingDescs { get; init; }
    public required int DescRingInfos { get; init; }
    public required int DescRingHeadId { get; init; }
    public required int DescRingTailId { get; init; }
    public required int DescSize { get; init; }
    public required int DescStateVar { get; init; }
    public required int DescTextBlkLpos { get; init; }
    public required int LposBegin { get; init; }
    public required int LposNext { get; init; }
    public required int InfoSize { get; init; }
    public required int InfoSeq { get; init; }
    public required int InfoTsNsec { get; init; }
    public required int InfoTextLen { get; init; }
    public int? InfoCallerId { get; init; }
    public (int Offset, int Length)? Subsystem { get; init; }
    public (int Offset, int Length)? Device { get; init; }
    public required int DataRingSizeBits { get; init; }
    public required int DataRingData { get; init; }
    public required int AtomicCounter { get; init; }

    /// <summary>Optional fields VMCOREINFO got wrong, which the reader does without.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>
    /// The layout, every offset checked against the size of the structure it indexes (see
    /// <see cref="LayoutCheck"/>): struct printk_ringbuffer { struct prb_desc_ring desc_ring; struct
    /// prb_data_ring text_data_ring; atomic_long_t fail; }, struct prb_desc { atomic_long_t state_var;
    /// struct prb_data_blk_lpos text_blk_lpos; }, struct prb_data_blk_lpos { unsigned long begin, next; }.
    /// </summary>
    public static PrbLayout From(VmcoreInfo info)
    {
        var check = new LayoutCheck(info, "printk ring buffer layout");
        const int Word = 8, U32 = 4;

        // atomic_long_t { long counter; }: VMCOREINFO gives the counter's offset since 5.10; 0 before.
        var atomic = check.OptionalSize("atomic_long_t", Word) ?? Word;
        var counter = check.RequiredField("atomic_long_t.counter", Word, "atomic_long_t", atomic, whenAbsent: 0);

        var lposSize = check.OptionalSize("prb_data_blk_lpos", 2 * Word);
        var begin = check.RequiredField("prb_data_blk_lpos.begin", Word, "prb_data_blk_lpos", lposSize);
        var next = check.RequiredField("prb_data_blk_lpos.next", Word, "prb_data_blk_lpos", lposSize);
        var lposExtent = lposSize ?? Math.Max(begin, next) + Word;

        var descSize = check.RequiredSize("prb_desc", 1);
        var stateVar = check.RequiredField("prb_desc.state_var", atomic, "prb_desc", descSize);
        var textBlkLpos = check.RequiredField("prb_desc.text_blk_lpos", lposExtent, "prb_desc", descSize);

        // struct prb_desc_ring { unsigned int count_bits; struct prb_desc *descs; struct printk_info *infos; atomic_long_t head_id, tail_id; ... }
        var descRingSize = check.OptionalSize("prb_desc_ring", 1);
        var countBits = check.RequiredField("prb_desc_ring.count_bits", U32, "prb_desc_ring", descRingSize);
        var descs = check.RequiredField("prb_desc_ring.descs", Word, "prb_desc_ring", descRingSize);
        var infos = check.RequiredField("prb_desc_ring.infos", Word, "prb_desc_ring", descRingSize);
        var headId = check.RequiredField("prb_desc_ring.head_id", atomic, "prb_desc_ring", descRingSize);
        var tailId = check.RequiredField("prb_desc_ring.tail_id", atomic, "prb_desc_ring", descRingSize);
        var descRingExtent = descRingSize ?? new[] { countBits + U32, descs + Word, infos + Word, headId + atomic, tailId + atomic }.Max();

        // struct prb_data_ring { unsigned int size_bits; char *data; atomic_long_t head_lpos, tail_lpos; }
        var dataRingSize = check.OptionalSize("prb_data_ring", 1);
        var sizeBits = check.RequiredField("prb_data_ring.size_bits", U32, "prb_data_ring", dataRingSize);
        var data = check.RequiredField("prb_data_ring.data", Word, "prb_data_ring", dataRingSize);
        var dataRingExtent = dataRingSize ?? Math.Max(sizeBits + U32, data + Word);

        var ringSize = check.RequiredSize("printk_ringbuffer", 1);
        var descRing = check.RequiredField("printk_ringbuffer.desc_ring", descRingExtent, "printk_ringbuffer", ringSize);
        var textDataRing = check.RequiredField("printk_ringbuffer.text_data_ring", dataRingExtent, "printk_ringbuffer", ringSize);

        // struct printk_info { u64 seq; u64 ts_nsec; u16 text_len; u8 facility; u8 flags:5, level:3; u32 caller_id; struct dev_printk_info dev_info; }:
        // facility and flags/level have no VMCOREINFO offsets and are read right after text_len, hence its 4 bytes.
        var infoSize = check.RequiredSize("printk_info", 1);
        var seq = check.RequiredField("printk_info.seq", Word, "printk_info", infoSize);
        var tsNsec = check.RequiredField("printk_info.ts_nsec", Word, "printk_info", infoSize);
        var textLen = check.RequiredField("printk_info.text_len", U32, "printk_info", infoSize);
        check.ThrowIfMissing();

        var callerId = check.OptionalField("printk_info.caller_id", U32, "printk_info", infoSize, "caller ids are not shown");
        var (subsystem, device) = DeviceFields(check, infoSize!.Value);
        return new PrbLayout
        {
            RingBufferSize = ringSize!.Value,
            DescRing = descRing,
            TextDataRing = textDataRing,
            DescRingCountBits = countBits,
            DescRingDescs = descs,
            DescRingInfos = infos,
            DescRingHeadId = headId,
            DescRingTailId = tailId,
            DescSize = descSize!.Value,
            DescStateVar = stateVar,
            DescTextBlkLpos = textBlkLpos,
            LposBegin = begin,
            LposNext = next,
            InfoSize = infoSize.Value,
            InfoSeq = seq,
            InfoTsNsec = tsNsec,
            InfoTextLen = textLen,
            InfoCallerId = callerId,
            Subsystem = subsystem,
            Device = device,
            DataRingSizeBits = sizeBits,
            DataRingData = data,
            AtomicCounter = counter,
            Problems = check.Problems,
        };
    }

    /// <summary>struct dev_printk_info { char subsystem[16]; char device[48]; } inside printk_info (5.10+); both optional.</summary>
    private static ((int, int)? Subsystem, (int, int)? Device) DeviceFields(LayoutCheck check, int infoSize)
    {
        const string Lost = "subsystem and device are not shown";
        var devSize = check.OptionalSize("dev_printk_info", 1);
        if (check.OptionalField("printk_info.dev_info", devSize ?? 1, "printk_info", infoSize, Lost) is not { } dev)
        {
            return (null, null);
        }

        var room = devSize ?? infoSize - dev;
        (int, int)? Field(string member, string length, string what)
        {
            var lost = $"the {what} is not shown";
            if (check.OptionalField(member, 1, "dev_printk_info", room, lost) is not { } offset
                || check.OptionalLength(length, room - offset, lost) is not { } bytes)
            {
                return null;
            }

            return (dev + offset, bytes);
        }

        return (Field("dev_printk_info.subsystem", "printk_info_subsystem", "subsystem"), Field("dev_printk_info.device", "printk_info_device", "device"));
    }
}
