using System.Buffers.Binary;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Kdump;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// A dump target that fills up mid-dump (a 4 MiB tmpfs for a 22 MiB dump): the collector fails
/// with the I/O error, and the file left behind is marked INCOMPLETE, opens, and every page it
/// claims reads back with the vmcore's bytes; the pages that did not fit fail to read, never zeros.
/// Needs root to mount the tmpfs (tests run as root here and in CI).
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private const string Fixture = "debian-6.1.0-56-amd64";
    private readonly SmallTmpfs _mount = new("4m");


    [Fact]
    public void FullDiskLeavesAnIncompleteReadableDump()
    {
        var output = Path.Combine(_mount.Path, "vmcore");
        var arguments = CollectArguments.Parse(["-l", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture), output]);
        var e = Assert.Throws<IOException>(() => new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run());
        Assert.Contains("No space left", e.Message);

        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var partial = (KdumpDump)DumpOpener.Open(output);
        Assert.True(partial.Header.IsIncomplete);
        var ours = new byte[4096];
        var reference = new byte[4096];
        int readable = 0, missing = 0;
        for (ulong pfn = 0; pfn < partial.Memory.MaxPfn; pfn++)
        {
            if (partial.Memory.TryRead(pfn * 4096, ours, out var failure))
            {
                Assert.True(elf.Memory.TryRead(pfn * 4096, reference, out _));
                Assert.True(ours.AsSpan().SequenceEqual(reference), $"pfn 0x{pfn:x} differs");
                readable++;
            }
            else if (elf.Memory.GetPageState(pfn) == PageState.Present && failure.State != PageState.Excluded)
            {
                missing++;
            }
        }

        Assert.True(readable > 1000, $"only {readable} pages readable");
        Assert.True(missing > 0, "the pages that did not fit must not read");
    }

    [Fact]
    public void FullDiskLeavesAnElfDumpMarkedIncompleteAndReadableToItsLastPage()
    {
        var output = Path.Combine(_mount.Path, "vmcore");
        var arguments = CollectArguments.Parse(["-E", "-d", "31", "--message-level", "0", Fixtures.ElfVmcore(Fixture), output]);
        var e = Assert.Throws<IOException>(() => new CollectRunner(arguments, TextWriter.Null, () => Stream.Null).Run());
        Assert.Contains("No space left", e.Message);

        // makedumpfile's DUMP_ELF_INCOMPLETE: bit 0 of e_flags (byte 48 of the ELF header).
        var header = new byte[64];
        using (var raw = File.OpenRead(output))
        {
            raw.ReadExactly(header);
        }

        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(48)) & 1u);

        using var elf = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var partial = Assert.IsType<ElfVmcore>(DumpOpener.Open(output));
        Assert.True(partial.IsIncomplete);
        Assert.Equal(elf.Notes.Count, partial.Notes.Count);
        var ours = new byte[4096];
        var reference = new byte[4096];
        int readable = 0, missing = 0;
        ulong lastReadable = 0;
        for (ulong pfn = 0; pfn < partial.Memory.MaxPfn; pfn++)
        {
            if (partial.Memory.TryRead(pfn * 4096, ours, out var failure))
            {
                Assert.True(elf.Memory.TryRead(pfn * 4096, reference, out _));
                Assert.True(ours.AsSpan().SequenceEqual(reference), $"pfn 0x{pfn:x} differs");
                Assert.Equal(PageState.Present, partial.Memory.GetPageState(pfn));
                readable++;
                lastReadable = pfn;
            }
            else if (failure.State == PageState.Incomplete)
            {
                Assert.Equal(PageState.Incomplete, partial.Memory.GetPageState(pfn));
                missing++;
            }
        }

        // All that fitted is there (4 MiB less the headers), and the pages cut off all come after it.
        Assert.True(readable > 900, $"only {readable} pages readable");
        Assert.True(missing > 1000, $"only {missing} pages marked incomplete");
        Assert.True(readable * 4096L > new FileInfo(output).Length - (256 * 1024), $"{readable} pages readable from a {new FileInfo(output).Length}-byte file");
        for (ulong pfn = 0; pfn < lastReadable; pfn++)
        {
            Assert.NotEqual(PageState.Incomplete, partial.Memory.GetPageState(pfn));
        }
    }

    public void Dispose() => _mount.Dispose();
}
