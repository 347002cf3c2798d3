using Nkdump.Formats;
using Nkdump.Kernel.Printk;
using Nkdump.Kernel.Tests.Synthetic;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

/// <summary>A real ring buffer with damage laid over it: what is readable still comes out, and the problem names what is missing.</summary>
public class KernelLogDamageTests
{
    private static (KernelContext Kernel, OverlayPhysicalMemory Memory, IKernelDump Dump) Open(string fixture)
    {
        var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var memory = new OverlayPhysicalMemory(dump.Memory);
        return (KernelContext.Open(memory, dump.VmcoreInfo), memory, dump);
    }

    private static ulong Physical(KernelContext kernel, ulong va)
    {
        Assert.True(kernel.Translator.TryTranslate(va, out var t, out _));
        return t.PhysicalAddress;
    }

    /// <summary>prb's text_data_ring.data pointer (offsets from VMCOREINFO).</summary>
    private static ulong DataRing(KernelContext kernel)
    {
        var info = kernel.VmcoreInfo;
        var prb = kernel.Memory.ReadPointer(info.Symbol("prb")!.Value);
        return kernel.Memory.ReadPointer(prb + (ulong)info.Offset("printk_ringbuffer.text_data_ring")!.Value + (ulong)info.Offset("prb_data_ring.data")!.Value);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void ExcludedDataPageLosesOnlyItsRecords(string fixture)
    {
        var (kernel, memory, dump) = Open(fixture);
        using var _ = dump;
        var complete = KernelLogReader.Read(kernel);
        Assert.True(complete.IsComplete);

        var page = (DataRing(kernel) + 4096) & ~0xfffUL; // a page early in the text ring: early boot messages
        memory.Exclude(Physical(kernel, page));
        var damaged = KernelLogReader.Read(kernel);

        Assert.False(damaged.IsComplete);
        Assert.True(damaged.Problems.Any(p => p.Contains("prb.text_data_ring.data") && p.Contains($"0x{page:x}") && p.Contains("excluded from the dump")), string.Join("\n", damaged.Problems));
        Assert.InRange(damaged.Records.Count, complete.Records.Count / 2, complete.Records.Count - 1);

        // What was read is exactly the complete log minus the lost records, in order.
        var kept = damaged.Records.Select(r => r.Sequence).ToHashSet();
        Assert.Equal(complete.Records.Where(r => kept.Contains(r.Sequence)).Select(r => r.Text), damaged.Records.Select(r => r.Text));
        Assert.Equal(complete.Records[^1].Text, damaged.Records[^1].Text); // the panic's end is still there
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void CorruptCountBitsIsRefusedWithTheField(string fixture)
    {
        var (kernel, memory, dump) = Open(fixture);
        using var _ = dump;
        var info = kernel.VmcoreInfo;
        var prb = kernel.Memory.ReadPointer(info.Symbol("prb")!.Value);
        var countBits = prb + (ulong)info.Offset("printk_ringbuffer.desc_ring")!.Value + (ulong)info.Offset("prb_desc_ring.count_bits")!.Value;
        memory.Patch(Physical(kernel, countBits), [60, 0, 0, 0]);
        var e = Assert.Throws<NkdumpException>(() => KernelLogReader.Read(kernel));
        Assert.Contains("corrupt", e.Message);
        Assert.Contains("count_bits=60", e.Message);
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void CorruptTailIdStillPrintsTheNewestRecords(string fixture)
    {
        var (kernel, memory, dump) = Open(fixture);
        using var _ = dump;
        var complete = KernelLogReader.Read(kernel);
        var info = kernel.VmcoreInfo;
        var prb = kernel.Memory.ReadPointer(info.Symbol("prb")!.Value);
        var tail = prb + (ulong)info.Offset("printk_ringbuffer.desc_ring")!.Value + (ulong)info.Offset("prb_desc_ring.tail_id")!.Value;
        memory.Patch(Physical(kernel, tail), BitConverter.GetBytes(0x1234_5678_9abcUL));
        var damaged = KernelLogReader.Read(kernel);
        Assert.Contains(damaged.Problems, p => p.Contains("corrupt") && p.Contains("tail_id 0x123456789abc"));
        Assert.Equal(complete.Records.Select(r => r.Text), damaged.Records.Select(r => r.Text));
    }

    [Theory]
    [MemberData(nameof(Fixtures.All), MemberType = typeof(Fixtures))]
    public void MissingPrbLayoutNamesTheKeys(string fixture)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(fixture));
        var text = string.Join('\n', dump.VmcoreInfo!.Text.Split('\n').Where(l => !l.StartsWith("OFFSET(prb_desc_ring.", StringComparison.Ordinal)));
        var info = VmcoreInfo.Parse(System.Text.Encoding.ASCII.GetBytes(text));
        var e = Assert.Throws<NkdumpException>(() => KernelLogReader.Read(KernelContext.Open(dump.Memory, info)));
        Assert.Contains("OFFSET(prb_desc_ring.count_bits)", e.Message);
    }
}
