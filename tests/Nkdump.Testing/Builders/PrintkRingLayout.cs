namespace Nkdump.Testing.Builders;

/// <summary>VMCOREINFO's description of the printk ring buffer, for synthetic kernels (tests and fuzz seeds).</summary>
internal static class PrintkRingLayout
{
    /// <summary>The lockless ring of 5.10 to 6.x (x86_64), as Debian's kernels export it.</summary>
    public const string Lockless = """
        SIZE(printk_ringbuffer)=88
        OFFSET(printk_ringbuffer.desc_ring)=0
        OFFSET(printk_ringbuffer.text_data_ring)=48
        OFFSET(printk_ringbuffer.fail)=80
        SIZE(prb_desc_ring)=48
        OFFSET(prb_desc_ring.count_bits)=0
        OFFSET(prb_desc_ring.descs)=8
        OFFSET(prb_desc_ring.infos)=16
        OFFSET(prb_desc_ring.head_id)=24
        OFFSET(prb_desc_ring.tail_id)=32
        SIZE(prb_desc)=24
        OFFSET(prb_desc.state_var)=0
        OFFSET(prb_desc.text_blk_lpos)=8
        SIZE(prb_data_blk_lpos)=16
        OFFSET(prb_data_blk_lpos.begin)=0
        OFFSET(prb_data_blk_lpos.next)=8
        SIZE(printk_info)=88
        OFFSET(printk_info.seq)=0
        OFFSET(printk_info.ts_nsec)=8
        OFFSET(printk_info.text_len)=16
        OFFSET(printk_info.caller_id)=20
        OFFSET(printk_info.dev_info)=24
        SIZE(dev_printk_info)=64
        OFFSET(dev_printk_info.subsystem)=0
        LENGTH(printk_info_subsystem)=16
        OFFSET(dev_printk_info.device)=16
        LENGTH(printk_info_device)=48
        SIZE(prb_data_ring)=32
        OFFSET(prb_data_ring.size_bits)=0
        OFFSET(prb_data_ring.data)=8
        OFFSET(prb_data_ring.head_lpos)=16
        OFFSET(prb_data_ring.tail_lpos)=24
        SIZE(atomic_long_t)=8
        OFFSET(atomic_long_t.counter)=0
        """;
}
