using Nkdump.Formats;
using Nkdump.Kernel.Printk;
using Nkdump.Kernel.Tests.Synthetic;
using Nkdump.Testing;

namespace Nkdump.Kernel.Tests.OnFixtures;

/// <summary>
/// Issue 17, finding 1: the 6.1 crash's real memory with one printk VMCOREINFO value made wrong. The
/// reader either still reads the log or refuses with an NkdumpException that names the key and the
/// value; never an ArgumentOutOfRangeException or OverflowException from indexing with it.
/// </summary>
public class BadPrintkLayoutTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    /// <summary>The 16 offsets the lockless ring reader indexes with.</summary>
    public static TheoryData<string> RingOffsets { get; } =
    [
        "printk_ringbuffer.desc_ring", "printk_ringbuffer.text_data_ring",
        "prb_desc_ring.count_bits", "prb_desc_ring.descs", "prb_desc_ring.infos", "prb_desc_ring.head_id", "prb_desc_ring.tail_id",
        "prb_desc.state_var", "prb_desc.text_blk_lpos", "prb_data_blk_lpos.begin", "prb_data_blk_lpos.next",
        "printk_info.seq", "printk_info.ts_nsec", "printk_info.text_len", "prb_data_ring.size_bits", "prb_data_ring.data",
    ];

    [Theory]
    [MemberData(nameof(RingOffsets))]
    public void OffsetPastItsStructureIsRefusedByName(string member)
    {
        var e = ReadWith($"OFFSET({member})", "4096");
        Assert.Contains($"OFFSET({member})=4096", e.Message);
        Assert.Contains("past SIZE(", e.Message);
    }

    [Theory]
    [MemberData(nameof(RingOffsets))]
    public void NegativeOffsetIsRefusedByName(string member)
    {
        var e = ReadWith($"OFFSET({member})", "-8");
        Assert.Contains($"OFFSET({member})=-8", e.Message);
    }

    [Theory]
    [InlineData("SIZE(prb_desc)", "1099511627776")]
    [InlineData("SIZE(printk_info)", "1099511627776")]
    [InlineData("SIZE(prb_desc)", "2147483647")]
    [InlineData("SIZE(printk_info)", "65536")]
    [InlineData("SIZE(printk_ringbuffer)", "9223372036854775807")]
    [InlineData("SIZE(prb_desc)", "-24")]
    [InlineData("OFFSET(atomic_long_t.counter)", "-8")]
    [InlineData("OFFSET(atomic_long_t.counter)", "8")]
    [InlineData("SIZE(atomic_long_t)", "4")]
    [InlineData("SIZE(prb_desc)", "8")]
    [InlineData("OFFSET(printk_info.text_len)", "86")]
    public void BadSizeOrCounterIsRefusedByName(string key, string value)
    {
        var e = ReadWith(key, value);
        Assert.Contains($"{key}={value}", e.Message);
    }

    [Theory]
    [InlineData("OFFSET(printk_info.caller_id)", "4096")]
    [InlineData("OFFSET(printk_info.caller_id)", "-4")]
    [InlineData("OFFSET(printk_info.dev_info)", "80")]
    [InlineData("LENGTH(printk_info_device)", "4096")]
    [InlineData("OFFSET(dev_printk_info.device)", "-16")]
    public void BadOptionalFieldIsDroppedWithAProblem(string key, string value)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        var log = KernelLogReader.Read(KernelContext.Open(dump.Memory, Patched(dump.VmcoreInfo!, key, value)));
        Assert.NotEmpty(log.Records);
        Assert.Contains(log.Problems, p => p.Contains($"{key}={value}"));
    }

    [Fact]
    public void NoPrintkValueMakesTheReaderThrowAnythingButNkdumpException()
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        var original = dump.VmcoreInfo!;
        var keys = original.Entries.Keys.Where(k => k.StartsWith("SIZE(", StringComparison.Ordinal) || k.StartsWith("OFFSET(", StringComparison.Ordinal) || k.StartsWith("LENGTH(", StringComparison.Ordinal))
            .Where(k => k.Contains("prb", StringComparison.Ordinal) || k.Contains("printk", StringComparison.Ordinal) || k.Contains("atomic_long_t", StringComparison.Ordinal))
            .ToList();
        Assert.True(keys.Count >= 30, string.Join(", ", keys));
        // In range (the reader then follows wrong fields, which once made it loop for ever) and out of range.
        string[] values = ["0", "4", "8", "16", "87", "-1", "-9223372036854775808", "4095", "65536", "2147483648", "9223372036854775807", "abc"];
        foreach (var key in keys)
        {
            foreach (var value in values)
            {
                var info = Patched(original, key, value);
                try
                {
                    KernelLogReader.Read(KernelContext.Open(dump.Memory, info));
                }
                catch (NkdumpException)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"{key}={value}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    [Fact]
    public async Task HeadIdWithStateBitsEndsTheWalkInsteadOfLoopingForever()
    {
        // Found with OFFSET(printk_ringbuffer.desc_ring)=4: a head_id read with the top (state) bits set
        // was never reached by the ids walked from tail_id, which are masked: a loop of 2^62 steps.
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        var memory = new OverlayPhysicalMemory(dump.Memory);
        var kernel = KernelContext.Open(memory, dump.VmcoreInfo);
        var complete = KernelLogReader.Read(kernel);
        var info = kernel.VmcoreInfo;
        var prb = kernel.Memory.ReadPointer(info.Symbol("prb")!.Value);
        var headAddress = prb + (ulong)info.Offset("printk_ringbuffer.desc_ring")!.Value + (ulong)info.Offset("prb_desc_ring.head_id")!.Value;
        var head = kernel.Memory.ReadPointer(headAddress);
        Assert.True(kernel.Translator.TryTranslate(headAddress, out var translated, out _));
        memory.Patch(translated.PhysicalAddress, BitConverter.GetBytes(head | (1UL << 63)));

        var read = Task.Run(() => KernelLogReader.Read(kernel));
        Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(60))) == read, "the walk from tail_id to head_id did not end");
        var log = await read;
        Assert.Contains(log.Problems, p => p.Contains("state bits set"));
        Assert.Equal(complete.Records.Select(r => r.Text), log.Records.Select(r => r.Text));
    }

    [Fact]
    public void UnchangedLayoutStillReadsTheWholeLog()
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        var log = KernelLogReader.Read(KernelContext.Open(dump.Memory, dump.VmcoreInfo));
        Assert.Empty(log.Problems);
        Assert.Equal(File.ReadAllText(Fixtures.Expected(Fixture, "dmesg.makedumpfile.txt")), DmesgTextFormatter.Format(log.Records, caller: false));
    }

    private static NkdumpException ReadWith(string key, string value)
    {
        using var dump = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        var info = Patched(dump.VmcoreInfo!, key, value);
        return Assert.Throws<NkdumpException>(() => KernelLogReader.Read(KernelContext.Open(dump.Memory, info)));
    }

    /// <summary>The note with KEY's value replaced (the first definition is the one readers see).</summary>
    internal static VmcoreInfo Patched(VmcoreInfo info, string key, string value)
    {
        Assert.NotNull(info.Get(key));
        var lines = info.Text.Split('\n').Select(l => l.StartsWith(key + "=", StringComparison.Ordinal) ? $"{key}={value}" : l);
        return VmcoreInfo.Parse(System.Text.Encoding.ASCII.GetBytes(string.Join('\n', lines)));
    }
}
