using Nkdump.Formats.Elf;
using Nkdump.Formats.IO;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// The collector's workers compress a mapped vmcore's pages where they lie (a page view): the span
/// must hold exactly what TryRead copies, whether the file is mapped whole or a window at a time,
/// and every page that is not plain file data (zero tails, holes) must be refused so the caller falls
/// back to TryRead. A file read with pread has no view.
/// </summary>
public sealed class ElfPageSpanTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    /// <summary>Every <paramref name="stride"/>-th page through one view equals TryRead's copy; returns how many spans there were.</summary>
    private static int CompareViewWithTryRead(IPhysicalMemory memory, ulong stride)
    {
        var copy = new byte[memory.PageSize];
        var spans = 0;
        using var view = memory.OpenPageView();
        Assert.NotNull(view);
        for (ulong pfn = 0; pfn < memory.MaxPfn + 2; pfn += stride)
        {
            var state = memory.GetPageState(pfn);
            if (!view.TryGetPage(pfn, out var page))
            {
                Assert.NotEqual(PageState.Present, state);
                continue;
            }

            Assert.Equal(PageState.Present, state);
            Assert.True(memory.TryRead(pfn * (ulong)memory.PageSize, copy, out _));
            Assert.True(page.SequenceEqual(copy), $"pfn {pfn:x}");
            spans++;
        }

        return spans;
    }

    [Fact]
    public void PagesOfAWholeMappingEqualWhatTryReadCopies()
    {
        using var vmcore = ElfVmcore.Open(Fixtures.ElfVmcore(Fixture));
        Assert.True(CompareViewWithTryRead(vmcore.Memory, 7) > 1000);
    }

    [Fact]
    public void PagesThroughMovingWindowsEqualWhatTryReadCopies()
    {
        var path = Fixtures.ElfVmcore(Fixture);
        using var file = WindowMappedFile.TryOpen(path, path, out var refusal, windowBytes: 64 << 10);
        Assert.True(file is not null, refusal);
        using var vmcore = ElfVmcore.Open(file);
        Assert.True(vmcore.IsMemoryMapped);
        Assert.True(CompareViewWithTryRead(vmcore.Memory, 5) > 1000);
    }

    [Fact]
    public void PagesAtOffsetsThatAreNotPageAlignedStraddleWindowsAndStillRead()
    {
        // 100 pages in a segment whose file offset is not a multiple of the page size: with 8 KiB
        // windows, every other page crosses a window boundary.
        using var dir = new TempDirectory();
        var data = new byte[100 * 4096];
        new Random(5).NextBytes(data);
        var core = new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\nX=1\n").Load(0x100000, data, memSize: (ulong)data.Length + 0x3000).Build();
        Assert.NotEqual(0, core.AsSpan().IndexOf(data) % 4096);
        var path = dir.Write("core", core);
        using var file = WindowMappedFile.TryOpen(path, path, out _, windowBytes: 8192);
        using var vmcore = ElfVmcore.Open(file!);
        Assert.Equal(100, CompareViewWithTryRead(vmcore.Memory, 1));
    }

    [Fact]
    public void AThreadsWindowIsAllOfTheFileThatIsMapped()
    {
        // What keeps the capture kernel's page tables small: however far a view reads, one window is
        // mapped. (A core of its own: other tests map the fixtures whole in this process.)
        using var dir = new TempDirectory();
        var data = new byte[2048 * 4096];
        new Random(6).NextBytes(data);
        var path = dir.Write("core", new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n").Load(0, data).Build());
        using var file = WindowMappedFile.TryOpen(path, path, out _, windowBytes: 1 << 20);
        using var vmcore = ElfVmcore.Open(file!);
        using (var view = vmcore.Memory.OpenPageView()!)
        {
            for (ulong pfn = 0; pfn < vmcore.Memory.MaxPfn; pfn++)
            {
                Assert.True(view.TryGetPage(pfn, out _));
            }

            Assert.InRange(MappedBytes(path), 1, 1 << 20);
        }

        Assert.Equal(0, MappedBytes(path));
    }

    [Fact]
    public void AViewForScatteredReadsMapsASmallWindowAndReadsTheSameBytes()
    {
        // Comparing pages with earlier ones jumps about the file: those views map 256 KiB, not 4 MiB.
        using var dir = new TempDirectory();
        var data = new byte[2048 * 4096];
        new Random(7).NextBytes(data);
        var path = dir.Write("core", new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n").Load(0, data).Build());
        using var file = WindowMappedFile.TryOpen(path, path, out _);
        using var vmcore = ElfVmcore.Open(file!);
        using var view = vmcore.Memory.OpenPageView(scattered: true)!;
        var random = new Random(8);
        for (var i = 0; i < 200; i++)
        {
            var pfn = (ulong)random.Next(2048);
            Assert.True(view.TryGetPage(pfn, out var page));
            Assert.True(page.SequenceEqual(data.AsSpan((int)pfn * 4096, 4096)), $"pfn {pfn}");
            Assert.InRange(MappedBytes(path), 1, WindowMappedFile.ScatteredWindowBytes);
        }
    }

    /// <summary>The bytes of <paramref name="path"/> mapped into this process (/proc/self/maps).</summary>
    private static long MappedBytes(string path)
    {
        var full = Path.GetFullPath(path);
        long total = 0;
        foreach (var line in File.ReadLines("/proc/self/maps").Where(l => l.EndsWith(" " + full, StringComparison.Ordinal)))
        {
            var range = line[..line.IndexOf(' ')].Split('-');
            total += Convert.ToInt64(range[1], 16) - Convert.ToInt64(range[0], 16);
        }

        return total;
    }

    [Fact]
    public void AFileReadWithPreadHasNoView()
    {
        using var vmcore = ElfVmcore.Open(Fixtures.ElfVmcore(Fixture), mode: FileReadMode.Read);
        Assert.Null(vmcore.Memory.OpenPageView());
        Assert.True(vmcore.Memory.ConcurrentReads);
    }
}
