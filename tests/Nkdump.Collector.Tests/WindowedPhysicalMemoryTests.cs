using Nkdump.Collector.Filtering;
using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.IO;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// The filter's reads through a mapped window give what the dump's own reads give: the same bytes,
/// and the same failure (state and first unreadable address) for holes, across page and window
/// boundaries, zero-filled tails included; the fixtures' filtering goes through it too
/// (<see cref="FilteringFixtureTests"/>).
/// </summary>
public sealed class WindowedPhysicalMemoryTests
{
    [Fact]
    public void ReadsGiveTheDumpsBytesAndFailures()
    {
        using var dir = new TempDirectory();
        var first = new byte[40 * 4096];
        var second = new byte[10 * 4096];
        new Random(11).NextBytes(first);
        new Random(12).NextBytes(second);
        // 40 pages of data and a 4-page zero-filled tail, a 12-page hole, then 10 pages.
        var core = new ElfCoreBuilder().VmcoreInfo("PAGESIZE=4096\n")
            .Load(0x100000, first, memSize: 44 * 4096)
            .Load(0x100000 + (56 * 4096), second)
            .Build();
        var path = dir.Write("core", core);
        using var file = WindowMappedFile.TryOpen(path, path, out _, windowBytes: 8192);
        using var vmcore = ElfVmcore.Open(file!);
        var windowed = new WindowedPhysicalMemory(vmcore.Memory);
        var random = new Random(13);
        for (var i = 0; i < 2000; i++)
        {
            var address = 0x100000 + (ulong)random.Next(-4096, 70 * 4096);
            var length = random.Next(1, 3 * 4096);
            var expected = new byte[length];
            var actual = new byte[length];
            var expectedOk = vmcore.Memory.TryRead(address, expected, out var expectedFailure);
            var actualOk = windowed.TryRead(address, actual, out var actualFailure);
            Assert.True(expectedOk == actualOk, $"0x{address:x}+{length}: {expectedOk} vs {actualOk}");
            if (expectedOk)
            {
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"0x{address:x}+{length}: bytes differ");
            }
            else
            {
                Assert.Equal(expectedFailure, actualFailure);
            }

            if (i % 100 == 0)
            {
                windowed.CloseView();
            }
        }

        windowed.CloseView();
    }
}
