using Nkdump.Formats.Elf;
using Nkdump.Formats.IO;
using Nkdump.Testing;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The collector's workers compress a mapped vmcore's pages where they lie (TryGetPage): the span
/// must hold exactly what TryRead copies, and every page that is not plain file data (zero tails,
/// holes, a file read with pread) must be refused so the caller falls back to TryRead.
/// </summary>
public sealed class ElfPageSpanTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    [Fact]
    public void MappedPagesEqualWhatTryReadCopies()
    {
        using var vmcore = ElfVmcore.Open(Fixtures.ElfVmcore(Fixture));
        var memory = vmcore.Memory;
        var copy = new byte[memory.PageSize];
        var spans = 0;
        for (ulong pfn = 0; pfn < memory.MaxPfn + 2; pfn += 7)
        {
            var state = memory.GetPageState(pfn);
            if (!memory.TryGetPage(pfn, out var page))
            {
                Assert.NotEqual(PageState.Present, state);
                continue;
            }

            Assert.Equal(PageState.Present, state);
            Assert.True(memory.TryRead(pfn * (ulong)memory.PageSize, copy, out _));
            Assert.True(page.SequenceEqual(copy), $"pfn {pfn:x}");
            spans++;
        }

        Assert.True(spans > 1000);
    }

    [Fact]
    public void AFileReadWithPreadGivesNoSpans()
    {
        using var vmcore = ElfVmcore.Open(Fixtures.ElfVmcore(Fixture), mode: FileReadMode.Read);
        var pfn = Enumerable.Range(0, (int)vmcore.Memory.MaxPfn).Select(p => (ulong)p).First(p => vmcore.Memory.GetPageState(p) == PageState.Present);
        Assert.False(vmcore.Memory.TryGetPage(pfn, out _));
        Assert.True(vmcore.Memory.ConcurrentReads);
    }
}
