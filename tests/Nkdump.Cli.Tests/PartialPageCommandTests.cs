using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Cli.Tests;

/// <summary>
/// Issue 17, finding 8, as reported, through `nkdump convert`: before, a core whose only data were
/// segments smaller than a page made convert write 0 pages and exit 0, and a PT_LOAD ending inside a
/// page (memsz 0x1c00 from 0x1000) made it fail on that page ("page not in the dump"). Now the pages
/// are written with the bytes the core has, zeros for the rest, and the summary counts them as partial.
/// </summary>
public sealed class PartialPageCommandTests
{
    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertReads(string path, ulong address, byte[] expected)
    {
        using var dump = DumpOpener.Open(path);
        var actual = new byte[expected.Length];
        Assert.True(dump.Memory.TryRead(address, actual, out var failure), failure.ToString());
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("kdump")]
    [InlineData("elf")]
    public void Segments_smaller_than_a_page_are_written_not_dropped(string format)
    {
        using var dir = new TempDirectory();
        var first = Bytes(0x100, 1);
        var second = Bytes(0x80, 2);
        var core = dir.Write("core", new ElfCoreBuilder().Load(0x1100, first).Load(0x5200, second).Build());
        var output = dir.File("out");

        var (code, text, error) = CliRunner.Run("convert", "--format", format, core, output);

        Assert.True(code == 0, error);
        Assert.Contains("2 pages written", text);
        Assert.Contains("2 of them only partly in the input", text);
        var page = new byte[0x1000];
        first.CopyTo(page, 0x100);
        AssertReads(output, 0x1000, page);
        page = new byte[0x1000];
        second.CopyTo(page, 0x200);
        AssertReads(output, 0x5000, page);
    }

    [Fact]
    public void A_segment_ending_inside_a_page_converts_with_that_pages_bytes()
    {
        using var dir = new TempDirectory();
        var data = Bytes(0x1c00, 3);
        var core = dir.Write("core", new ElfCoreBuilder().Load(0x1000, data).Build());
        var output = dir.File("out");

        var (code, text, error) = CliRunner.Run("convert", core, output);

        Assert.True(code == 0, error);
        Assert.Contains("2 pages written", text);
        Assert.Contains("1 of them only partly in the input", text);
        var expected = new byte[0x2000];
        data.CopyTo(expected, 0);
        AssertReads(output, 0x1000, expected);
    }
}
