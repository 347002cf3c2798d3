using System.Globalization;
using Nkdump.Collector.Output;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// Issue 17, finding 2, in process: memory at a high physical address (here 4 TiB, max_pfn 2^30; a
/// sparse memory map with NVDIMM or CXL windows looks like this) costs the collector what its pages
/// need, not max_pfn / 8 bytes per bitmap. Before, convert and collect allocated three 128 MiB
/// buffers for this 20 KiB core. The kdump-compressed file still has bitmaps of max_mapnr bits on
/// disk, as the format wants, but their all-zero stretches are holes in the file.
/// <para>
/// The allocation counter is the process's: the class runs alone (<see cref="AllocationMeasuringCollection"/>),
/// else other test classes running at the same time are counted too (19 MB seen in a full run).
/// </para>
/// </summary>
[Collection(AllocationMeasuringCollection.Name)]
public sealed class HighAddressTests
{
    private const ulong High = 1UL << 42;

    /// <summary>Allocation allowed for one conversion of the small core: buffers (0.1-3 MiB measured), not bitmaps (270-405 MiB before).</summary>
    private const long AllocationBudget = 8L << 20;

    private static string WriteCore(TempDirectory dir) => SparseCore.Write(dir, High);

    private static void AssertHoldsBothSegments(string path)
    {
        SparseCore.AssertHoldsBoth(path, High);
        using var dump = DumpOpener.Open(path);
        Assert.Equal(High / 4096, dump.Memory.MaxPfn);
    }

    private static long Allocated(Action action)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        action();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    public static TheoryData<OutputFormat, PageCompression> Conversions => new()
    {
        { OutputFormat.Kdump, PageCompression.Lzo },
        { OutputFormat.Flat, PageCompression.Zlib },
        { OutputFormat.Elf, PageCompression.None },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Convert_allocates_for_the_pages_present_not_for_max_pfn(OutputFormat format, PageCompression compression)
    {
        using var dir = new TempDirectory();
        var output = dir.File("out");
        using (var input = DumpOpener.Open(WriteCore(dir)))
        {
            var allocated = Allocated(() =>
            {
                using var stream = File.Create(output);
                var result = DumpConverter.Convert(input, stream, format, compression, workers: 2);
                Assert.Equal(5, result.PagesWritten);
            });
            Assert.True(allocated < AllocationBudget, $"{allocated} bytes allocated");
        }

        AssertHoldsBothSegments(output);
    }

    [Theory]
    [InlineData("-l", "1", "")]
    [InlineData("-c", "0", "--cyclic-buffer 64")]
    [InlineData("-E", "1", "")]
    public void Collect_allocates_for_the_pages_present_not_for_max_pfn(string format, string level, string cyclic)
    {
        using var dir = new TempDirectory();
        var core = WriteCore(dir);
        var output = dir.File("out");
        var allocated = Allocated(() =>
        {
            var arguments = CollectArguments.Parse([format, "-d", level, .. cyclic.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--message-level", "0", core, output]);
            var outcome = new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run();
            Assert.Equal(5, outcome.PagesWritten);
        });
        Assert.True(allocated < AllocationBudget, $"{allocated} bytes allocated");
        AssertHoldsBothSegments(output);
    }

    [Fact]
    public void The_kdump_bitmaps_of_the_holes_are_holes_in_the_file()
    {
        using var dir = new TempDirectory();
        var output = dir.File("out");
        using (var input = DumpOpener.Open(WriteCore(dir)))
        using (var stream = File.Create(output))
        {
            DumpConverter.Convert(input, stream, OutputFormat.Kdump, PageCompression.Zlib, workers: 1);
        }

        // Two bitmaps of 2^30 bits: 256 MiB of file, of which a few blocks hold data.
        var length = new FileInfo(output).Length;
        Assert.True(length > 256L << 20, $"{length} bytes");
        var stat = ExternalTool.Run("stat", ["-c", "%b %B", output]);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        var parts = stat.StandardOutput.Trim().Split(' ');
        var onDisk = long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
        Assert.True(onDisk < 1L << 20, $"{onDisk} bytes on disk");

        AssertHoldsBothSegments(output);
        const string script = """
            import sys, kdumpfile
            k = kdumpfile.kdumpfile(sys.argv[1])
            sys.stdout.write(bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, int(sys.argv[2]), 4096)).hex())
            """;
        var result = ExternalTool.Run("/usr/bin/python3", ["-c", script, output, (High - 0x1000).ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Convert.ToHexStringLower(SparseCore.Top), result.StandardOutput);
    }
}

/// <summary>Tests that count the whole process's allocations: run with no other test at the same time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasuringCollection
{
    public const string Name = "allocation measuring (not in parallel)";
}
