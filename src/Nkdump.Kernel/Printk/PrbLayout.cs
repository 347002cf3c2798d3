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

    public static PrbLayout From(VmcoreInfo info)
    {
        var missing = new List<string>();
        int Size(string type) => Check(info.Size(type), $"SIZE({type})");
        int Offset(string member) => Check(info.Offset(member), $"OFFSET({member})");
        int Check(long? value, string key)
        {
            if (value is not { } v || v < 0 || v > 1 << 20)
            {
                missing.Add(key);
                return 0;
            }

            return (int)v;
        }

        var layout = new PrbLayout
        {
            RingBufferSize = Size("printk_ringbuffer"),
            DescRing = Offset("printk_ringbuffer.desc_ring"),
            TextDataRing = Offset("printk_ringbuffer.text_data_ring"),
            DescRingCountBits = Offset("prb_desc_ring.count_bits"),
            DescRingDescs = Offset("prb_desc_ring.descs"),
            DescRingInfos = Offset("prb_desc_ring.infos"),
            DescRingHeadId = Offset("prb_desc_ring.head_id"),
            DescRingTailId = Offset("prb_desc_ring.tail_id"),
            DescSize = Size("prb_desc"),
            DescStateVar = Offset("prb_desc.state_var"),
            DescTextBlkLpos = Offset("prb_desc.text_blk_lpos"),
            LposBegin = Offset("prb_data_blk_lpos.begin"),
            LposNext = Offset("prb_data_blk_lpos.next"),
            InfoSize = Size("printk_info"),
            InfoSeq = Offset("printk_info.seq"),
            InfoTsNsec = Offset("printk_info.ts_nsec"),
            InfoTextLen = Offset("printk_info.text_len"),
            DataRingSizeBits = Offset("prb_data_ring.size_bits"),
            DataRingData = Offset("prb_data_ring.data"),
            AtomicCounter = (int)(info.Offset("atomic_long_t.counter") ?? 0),
        };
        if (missing.Count > 0)
        {
            throw new NkdumpException($"VMCOREINFO lacks the printk ring buffer layout: {string.Join(", ", missing)}");
        }

        // Structure sizes bound every field read from a record.
        if (layout.DescSize < 24 || layout.InfoSize < layout.InfoTextLen + 4 || layout.RingBufferSize < Math.Max(layout.DescRing + 40, layout.TextDataRing + 16))
        {
            throw new NkdumpException("VMCOREINFO's printk ring buffer sizes are inconsistent with its offsets");
        }

        int? callerId = info.Offset("printk_info.caller_id") is { } cid && cid + 4 <= layout.InfoSize ? (int)cid : null;
        (int, int)? Field(string member, string length)
        {
            if (info.Offset("printk_info.dev_info") is { } dev && info.Offset(member) is { } off && info.Length(length) is { } len &&
                len > 0 && dev + off + len <= layout.InfoSize)
            {
                return ((int)(dev + off), (int)len);
            }

            return null;
        }

        return layout with
        {
            InfoCallerId = callerId,
            Subsystem = Field("dev_printk_info.subsystem", "printk_info_subsystem"),
            Device = Field("dev_printk_info.device", "printk_info_device"),
        };
    }
}
