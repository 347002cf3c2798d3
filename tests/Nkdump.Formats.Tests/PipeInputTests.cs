using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Writing;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>Dumps that arrive through a pipe (a FIFO, as `nkdump info &lt;(ssh host cat vmcore)` gives): flattened or not.</summary>
public sealed class PipeInputTests
{
    [Theory]
    [InlineData(OutputFormat.Flat, DumpFormat.Flattened)]
    [InlineData(OutputFormat.Kdump, DumpFormat.KdumpCompressed)]
    [InlineData(OutputFormat.Elf, DumpFormat.Elf)]
    public async Task A_dump_read_from_a_fifo_opens_with_every_page(OutputFormat written, DumpFormat expected)
    {
        using var dir = new TempDirectory();
        var source = new SyntheticDump(SyntheticMemory.Random(51, 3000));
        var file = dir.File("dump");
        using (var output = new FileStream(file, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(source, output, written, written == OutputFormat.Elf ? PageCompression.None : PageCompression.Zstd);
        }

        var fifo = dir.File("fifo");
        var made = ExternalTool.Run("mkfifo", [fifo]);
        Assert.True(made.ExitCode == 0, made.ToString());
        var writer = Task.Run(() =>
        {
            using var pipe = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            using var input = File.OpenRead(file);
            input.CopyTo(pipe);
        });

        using (var dump = DumpOpener.Open(fifo))
        {
            Assert.Equal(expected, dump.Format);
            Assert.Equal(fifo, dump.Path);
            if (expected == DumpFormat.Elf)
            {
                var memory = (SyntheticMemory)source.Memory;
                var page = new byte[4096];
                foreach (var (pfn, bytes) in memory.Pages.Where(p => memory.GetPageState(p.Key) == PageState.Present))
                {
                    Assert.True(dump.Memory.TryRead(pfn * 4096, page, out _));
                    Assert.Equal(bytes, page);
                }
            }
            else
            {
                RoundTripTests.AssertSameMemory(source.Memory, dump.Memory);
            }
        }

        await writer.WaitAsync(TimeSpan.FromMinutes(1));
    }
}
