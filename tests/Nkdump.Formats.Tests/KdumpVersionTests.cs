using System.Buffers.Binary;
using System.Text;
using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Kdump;
using Nkdump.Formats.Writing;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>Older header versions (1-5), erase info, and reads from several threads at once.</summary>
public sealed class KdumpVersionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SyntheticDump _source = new(SyntheticMemory.Random(17, 4000));
    private readonly byte[] _written;

    public KdumpVersionTests()
    {
        var path = _dir.File("v6");
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0))
        {
            DumpConverter.Convert(_source, output, OutputFormat.Kdump, PageCompression.Snappy);
        }

        _written = File.ReadAllBytes(path);
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Every_header_version_reads_the_fields_it_has(int version)
    {
        var bytes = (byte[])_written.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(KdumpLayout.HeaderVersion), version);
        if (version < 6)
        {
            // Before version 6 only the 32-bit max_mapnr exists; make the 64-bit one garbage to prove it is ignored.
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4096 + KdumpLayout.SubMaxMapnr64), ulong.MaxValue);
        }

        using var dump = (KdumpDump)DumpOpener.Open(_dir.Write($"v{version}", bytes));
        Assert.Equal(version, dump.Header.HeaderVersion);
        Assert.Equal(_source.Memory.MaxPfn, dump.Header.MaxMapnr);
        Assert.Equal(version >= 3, dump.VmcoreInfo is not null);
        Assert.Equal(version >= 4 ? 2 : 0, dump.Cpus.Count);
        RoundTripTests.AssertSameMemory(_source.Memory, dump.Memory);
    }

    [Fact]
    public void Erase_info_is_read_from_version_5_on()
    {
        const string erase = "erase init_uts_ns.name.nodename size 65\n";
        var bytes = _written.Concat(Encoding.ASCII.GetBytes(erase)).ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4096 + KdumpLayout.SubOffsetEraseinfo), _written.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4096 + KdumpLayout.SubSizeEraseinfo), (ulong)erase.Length);
        using (var dump = (KdumpDump)DumpOpener.Open(_dir.Write("erase", bytes)))
        {
            Assert.Equal(erase, dump.Files[0].EraseInfo);
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(KdumpLayout.HeaderVersion), 4);
        using var old = (KdumpDump)DumpOpener.Open(_dir.Write("erase-v4", bytes));
        Assert.Null(old.Files[0].EraseInfo);
    }

    [Fact]
    public void Several_threads_read_the_same_dump()
    {
        using var dump = DumpOpener.Open(_dir.Write("threads", _written));
        var memory = (SyntheticMemory)_source.Memory;
        var pfns = memory.Pages.Keys.Where(p => memory.GetPageState(p) == PageState.Present).ToArray();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            var buffer = new byte[4096];
            var small = new byte[24];
            for (var i = worker; i < pfns.Length; i += 2)
            {
                var pfn = pfns[i];
                Assert.True(dump.Memory.TryRead(pfn * 4096, buffer, out _));
                Assert.True(buffer.AsSpan().SequenceEqual(memory.Pages[pfn]));
                Assert.True(dump.Memory.TryRead((pfn * 4096) + 1000, small, out _));
                Assert.True(small.AsSpan().SequenceEqual(memory.Pages[pfn].AsSpan(1000, 24)));
            }
        });
    }
}
