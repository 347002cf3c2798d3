using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>A disk that fills up mid-dump leaves a file that is flagged INCOMPLETE and readable up to where it stops.</summary>
public sealed class IncompleteDumpTests
{
    [Theory]
    [InlineData(PageCompression.Zlib, 3_000_000)]
    [InlineData(PageCompression.None, 5_000_000)]
    [InlineData(PageCompression.Zstd, 1_500_000)]
    public void A_write_failure_leaves_a_readable_incomplete_file(PageCompression compression, long diskSize)
    {
        using var dir = new TempDirectory();
        var memory = SyntheticMemory.Random(5, 8000);
        var path = dir.File("vmcore-incomplete");
        using (var disk = new FullDiskStream(new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0), diskSize))
        {
            Assert.Throws<IOException>(() => DumpConverter.Convert(new SyntheticDump(memory), disk, OutputFormat.Kdump, compression));
        }

        using var dump = (KdumpDump)DumpOpener.Open(path);
        Assert.True(dump.Header.IsIncomplete);
        long present = 0, incomplete = 0;
        var page = new byte[4096];
        for (ulong pfn = 0; pfn < memory.MaxPfn; pfn++)
        {
            var expected = memory.GetPageState(pfn);
            var state = dump.Memory.GetPageState(pfn);
            if (state == PageState.Incomplete)
            {
                incomplete++;
                Assert.True(expected is PageState.Present or PageState.Zero);
                Assert.False(dump.Memory.TryRead(pfn * 4096, page, out var failure));
                Assert.Equal(PageState.Incomplete, failure.State);
                continue;
            }

            Assert.Equal(expected, state);
            if (state == PageState.Present)
            {
                present++;
                Assert.True(dump.Memory.TryRead(pfn * 4096, page, out _));
                Assert.Equal(memory.Pages[pfn], page);
            }
        }

        Assert.True(present > 100, $"only {present} pages readable");

        // crash 8.0.2 still accepts the incomplete file and reads its header.
        var crash = ExternalTool.Run("crash", ["--osrelease", path], TimeSpan.FromMinutes(1));
        Assert.True(crash.ExitCode == 0, crash.ToString());
        Assert.Equal("6.1.0-test", crash.StandardOutput.Trim());
        Assert.True(incomplete > 100, $"only {incomplete} pages missing");
    }
}

/// <summary>A file on a disk with <paramref name="capacity"/> bytes: writes past it fail as ENOSPC does (after a partial write).</summary>
internal sealed class FullDiskStream(FileStream inner, long capacity) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Overwriting space already allocated always works; growing past the capacity does not.
        var room = Math.Max(0, capacity - inner.Position);
        var allowed = (int)Math.Min(buffer.Length, Math.Max(room, Math.Max(0, inner.Length - inner.Position)));
        inner.Write(buffer[..allowed]);
        if (allowed < buffer.Length)
        {
            throw new IOException("No space left on device");
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => inner.SetLength(value);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
