using Nkdump.Collector.Filtering;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Kdump;
using Nkdump.Kernel;
using Nkdump.Kernel.Printk;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// The capture budget on the 6.1 fixture (issue 18): at dump level 1 the dump is 68 MB with LZO; a
/// 40 MiB size limit must keep every page dump level 31 keeps (kernel memory goes first), fill the
/// rest of the budget with other pages, mark the file incomplete and stay within the limit; a full
/// disk in the capture's order keeps kernel memory too. The pages the kernel log is read from come
/// first, so a dump cut after a few megabytes still has the whole log.
/// </summary>
public sealed class CaptureBudgetTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    [Fact]
    public void A_size_limit_keeps_kernel_memory_and_marks_the_dump_incomplete()
    {
        using var dir = new TempDirectory();
        var output = dir.File("vmcore");
        var limit = 40L << 20;
        var arguments = CollectArguments.Parse(["-l", "-d", "1", "--message-level", "0", "--size-limit", "40M", Fixtures.ElfVmcore(Fixture), output]);
        var outcome = new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run();

        Assert.True(outcome.Incomplete);
        Assert.Contains("size limit", outcome.StoppedBy);
        Assert.True(new FileInfo(output).Length <= limit, $"{new FileInfo(output).Length} bytes");
        Assert.True(new FileInfo(output).Length > limit - (1 << 20), $"only {new FileInfo(output).Length} bytes of the budget used");
        AssertKernelMemoryKept(output, out var beyondKernel);
        Assert.True(beyondKernel > 1000, $"only {beyondKernel} pages beyond kernel memory");
    }

    [Fact]
    public void A_full_disk_in_the_capture_order_keeps_kernel_memory()
    {
        // 32 MiB: the kernel memory of this dump (22.6 MB at level 31) fits, the rest (68 MB) does not.
        using var mount = new SmallTmpfs("32m");
        var output = Path.Combine(mount.Path, "vmcore");
        var arguments = CollectArguments.ParseOptions(["-l", "-d", "1", "--message-level", "0"]).ForCapture(Fixtures.ElfVmcore(Fixture), output);
        Assert.True(arguments.ImportantFirst);
        var e = Assert.Throws<IOException>(() => new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run());
        Assert.Contains("No space left", e.Message);
        AssertKernelMemoryKept(output, out _);
    }

    [Fact]
    public void At_level_31_a_budget_not_reached_keeps_the_same_pages_with_the_log_first()
    {
        using var dir = new TempDirectory();
        var plain = dir.File("plain");
        var budgeted = dir.File("budgeted");
        new CollectRunner(CollectArguments.Parse(["-l", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture), plain]), TextWriter.Null, () => Stream.Null).Run();
        var outcome = new CollectRunner(CollectArguments.Parse(["-l", "-d", "31", "--message-level", "0", "--size-limit", "1G", "--time-limit", "3600", Fixtures.ElfVmcore(Fixture), budgeted]), TextWriter.Null, () => Stream.Null).Run();
        Assert.False(outcome.Incomplete);
        Assert.Equal(new FileInfo(plain).Length, new FileInfo(budgeted).Length);
        using var a = (KdumpDump)DumpOpener.Open(plain);
        using var b = (KdumpDump)DumpOpener.Open(budgeted);
        Assert.False(b.Header.IsIncomplete);
        AssertSamePages(a, b);
    }

    [Fact]
    public void A_dump_cut_short_after_a_few_megabytes_still_has_the_kernel_log()
    {
        // 3 MiB of a 22.6 MB level-31 dump: in PFN order the log's pages would not be in it.
        using var dir = new TempDirectory();
        var output = dir.File("vmcore");
        var outcome = new CollectRunner(CollectArguments.Parse(["-l", "-d", "31", "--message-level", "0", "--size-limit", "3M", Fixtures.ElfVmcore(Fixture), output]), TextWriter.Null, () => Stream.Null).Run();
        Assert.True(outcome.Incomplete);
        Assert.True(new FileInfo(output).Length <= 3L << 20);

        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var cut = DumpOpener.Open(output);
        var expected = KernelLogReader.Read(KernelContext.Open(elf.Memory, elf.VmcoreInfo));
        var actual = KernelLogReader.Read(KernelContext.Open(cut.Memory, cut.VmcoreInfo));
        Assert.Empty(actual.Problems);
        Assert.True(expected.Records.Count > 300, $"{expected.Records.Count} records");
        Assert.Equal(expected.Records.Select(r => Convert.ToHexString(r.Text)), actual.Records.Select(r => Convert.ToHexString(r.Text)));

        var first = Budget.LogPages.Find(elf, null);
        Assert.NotNull(first);
        Assert.InRange(first.Count(0, first.Bits), 2, 1024);
    }

    [Fact]
    public void A_budget_not_reached_at_level_1_gives_a_complete_dump_of_the_same_memory()
    {
        using var dir = new TempDirectory();
        var output = dir.File("vmcore");
        var outcome = new CollectRunner(CollectArguments.Parse(["-z", "-d", "1", "--message-level", "0", "--num-threads", "2", "--size-limit", "1G", Fixtures.ElfVmcore(Fixture), output]), TextWriter.Null, () => Stream.Null).Run();
        Assert.False(outcome.Incomplete);
        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var dump = (KdumpDump)DumpOpener.Open(output);
        Assert.False(dump.Header.IsIncomplete);
        AssertSamePages(elf, dump);
    }

    /// <summary>Every page frame of <paramref name="reference"/> is readable in <paramref name="actual"/> exactly when it is in the reference, with the same bytes.</summary>
    private static void AssertSamePages(IKernelDump reference, IKernelDump actual)
    {
        var expected = new byte[4096];
        var ours = new byte[4096];
        for (ulong pfn = 0; pfn < reference.Memory.MaxPfn; pfn++)
        {
            var readable = reference.Memory.TryRead(pfn * 4096, expected, out _);
            Assert.Equal(readable, actual.Memory.TryRead(pfn * 4096, ours, out _));
            Assert.True(!readable || ours.AsSpan().SequenceEqual(expected), $"pfn 0x{pfn:x} differs");
        }
    }

    /// <summary>
    /// The file is marked incomplete; every page dump level 31 keeps reads back with the vmcore's
    /// bytes; every other page reads as the vmcore's or not at all (never zeros in its place).
    /// </summary>
    private static void AssertKernelMemoryKept(string path, out long beyondKernel)
    {
        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        var kernel = DumpFilterPlan.Create(elf, DumpLevel.All).Kept(1 << 20);
        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.True(dump.Header.IsIncomplete);
        var ours = new byte[4096];
        var reference = new byte[4096];
        long missing = 0;
        beyondKernel = 0;
        for (ulong pfn = 0; pfn < elf.Memory.MaxPfn; pfn++)
        {
            if (!elf.Memory.TryRead(pfn * 4096, reference, out _))
            {
                continue;
            }

            if (dump.Memory.TryRead(pfn * 4096, ours, out var failure))
            {
                Assert.True(ours.AsSpan().SequenceEqual(reference), $"pfn 0x{pfn:x} differs");
                beyondKernel += kernel[pfn] ? 0 : 1;
            }
            else
            {
                Assert.False(kernel[pfn], $"pfn 0x{pfn:x}, kept at level 31, is missing: {failure}");
                Assert.Equal(PageState.Incomplete, failure.State);
                missing++;
            }
        }

        Assert.True(missing > 1000, $"only {missing} pages missing");
    }
}
