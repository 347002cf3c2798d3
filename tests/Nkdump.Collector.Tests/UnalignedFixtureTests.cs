using System.Buffers.Binary;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Collector.Tests;

/// <summary>
/// Issue 17, finding 8, on a real kernel's dump: the 6.1 fixture's vmcore with its direct-map
/// PT_LOAD cut into segments that start and end inside pages, the rest of the file as it is, given
/// to nkdump and to Debian's makedumpfile 1.7.2.
/// <para>
/// What makedumpfile 1.7.2 does with it (checked by hand with libkdumpfile on its -l -d 0 output,
/// and in its source): a page is dumped from floor(p_paddr / page) to floor(end / page), so
/// <list type="bullet">
/// <item>page 0x121, where a segment ends inside it: left out (its 0x400 bytes lost);</item>
/// <item>page 0x123, where a segment starts inside it: kept, the part before the segment zeros;</item>
/// <item>page 0x126, shared by a segment ending inside it and one starting inside it: left out, both
/// parts lost: the second segment sets its bit, then exclude_nodata_pages() clears it again for the
/// first (the rounding fixed upstream in 2024 by f2c5f76, "Fix incorrect page exclusion in
/// exclude_nodata_pages()", after 1.7.2);</item>
/// <item>page 0x128, with a 0x100-byte segment inside: left out.</item>
/// </list>
/// It exits 0 and says nothing. nkdump keeps all four, with the bytes the file has and zeros for the
/// rest, as libkdumpfile reads the ELF file itself, and counts them as partial.
/// </para>
/// </summary>
public sealed class UnalignedFixtureTests
{
    private const string Fixture = "debian-6.1.0-56-amd64";

    /// <summary>(start, end) physical, cut from the direct-map segment [0x100000, 0x14000000).</summary>
    private static readonly (ulong Start, ulong End)[] Cuts =
    [
        (0x100000, 0x121400),  // ends inside page 0x121
        (0x123400, 0x125000),  // starts inside page 0x123
        (0x126000, 0x126800),  // these two share page 0x126, a gap between them
        (0x126c00, 0x127000),
        (0x128100, 0x128200),  // 0x100 bytes inside page 0x128
        (0x129000, 0x14000000),
    ];

    private static readonly ulong[] PartialPfns = [0x121, 0x123, 0x126, 0x128];

    /// <summary>The fixture with its direct-map PT_LOAD replaced by <see cref="Cuts"/>, made once into the test cache.</summary>
    private static string UnalignedVmcore()
    {
        var target = Path.Combine(RepoPaths.Cache, $"{Fixture}.unaligned-segments.elf");
        if (File.Exists(target))
        {
            return target;
        }

        var temporary = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.Copy(Fixtures.ElfVmcore(Fixture), temporary);
        using (var file = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            var header = new byte[64];
            file.ReadExactly(header);
            var phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(32));
            var phnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(56));
            var table = new byte[phnum * 56];
            file.Position = phoff;
            file.ReadExactly(table);
            var headers = Enumerable.Range(0, phnum).Select(i => table.AsSpan(i * 56, 56).ToArray()).ToList();
            var directMap = headers.Single(h => BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(24)) == 0x100000);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(directMap.AsSpan(8));
            var vaddr = BinaryPrimitives.ReadUInt64LittleEndian(directMap.AsSpan(16));
            Assert.Equal(0x13f00000UL, BinaryPrimitives.ReadUInt64LittleEndian(directMap.AsSpan(32)));
            var replaced = new List<byte[]>();
            foreach (var h in headers)
            {
                if (h != directMap)
                {
                    replaced.Add(h);
                    continue;
                }

                foreach (var (start, end) in Cuts)
                {
                    var cut = (byte[])h.Clone();
                    BinaryPrimitives.WriteUInt64LittleEndian(cut.AsSpan(8), offset + (start - 0x100000));
                    BinaryPrimitives.WriteUInt64LittleEndian(cut.AsSpan(16), vaddr + (start - 0x100000));
                    BinaryPrimitives.WriteUInt64LittleEndian(cut.AsSpan(24), start);
                    BinaryPrimitives.WriteUInt64LittleEndian(cut.AsSpan(32), end - start);
                    BinaryPrimitives.WriteUInt64LittleEndian(cut.AsSpan(40), end - start);
                    replaced.Add(cut);
                }
            }

            // The program headers grow into the padding before the notes (at 0x1000 in /proc/vmcore).
            var firstData = headers.Min(h => BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan(8)));
            Assert.True((ulong)phoff + ((ulong)replaced.Count * 56) <= firstData);
            file.Position = phoff;
            foreach (var h in replaced)
            {
                file.Write(h);
            }

            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(56), (ushort)replaced.Count);
            file.Position = 0;
            file.Write(header);
        }

        File.Move(temporary, target, overwrite: true);
        return target;
    }

    /// <summary>The PFNs <paramref name="path"/> holds (present, zero or partial), by our reader.</summary>
    private static HashSet<ulong> Held(IPhysicalMemory memory)
    {
        var held = new HashSet<ulong>();
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                if (memory.GetPageState(pfn) is PageState.Present or PageState.Zero or PageState.Partial)
                {
                    held.Add(pfn);
                }
            }
        }

        return held;
    }

    [Fact]
    public void Collect_keeps_the_partial_pages_makedumpfile_1_7_2_drops()
    {
        using var dir = new TempDirectory();
        var vmcore = UnalignedVmcore();
        var ours = dir.File("ours");
        var messages = new StringWriter();
        var outcome = new CollectRunner(CollectArguments.Parse(["-l", "-d", "0", "--message-level", "2", vmcore, ours]), messages, () => Stream.Null).Run();
        Assert.Equal(PartialPfns.Length, outcome.PartialPages);
        var theirs = dir.File("theirs");
        var result = ExternalTool.Run("makedumpfile", ["-l", "-d", "0", "--message-level", "0", vmcore, theirs]);
        Assert.True(result.ExitCode == 0, result.ToString());

        using var input = DumpOpener.Open(vmcore);
        using var original = DumpOpener.Open(Fixtures.ElfVmcore(Fixture));
        using var ourDump = DumpOpener.Open(ours);
        using var theirDump = DumpOpener.Open(theirs);
        var ourPfns = Held(ourDump.Memory);
        var theirPfns = Held(theirDump.Memory);

        // Every page makedumpfile keeps, we keep with the same bytes; what only we keep are partial pages.
        Assert.Subset(ourPfns, theirPfns);
        var theirList = theirPfns.Order().ToList();
        Assert.Equal(PageHashes.Ours(theirDump.Memory, theirList), PageHashes.Ours(ourDump.Memory, theirList));
        Assert.Subset(PartialPfns.ToHashSet(), ourPfns.Except(theirPfns).ToHashSet());
        Assert.Subset(ourPfns, PartialPfns.ToHashSet());

        // The partial pages hold the original vmcore's bytes where a segment covers them, zeros elsewhere.
        var page = new byte[4096];
        var originalPage = new byte[4096];
        foreach (var pfn in PartialPfns)
        {
            Assert.Equal(PageState.Partial, input.Memory.GetPageState(pfn));
            Assert.True(ourDump.Memory.TryRead(pfn * 4096, page, out var failure), failure.ToString());
            Assert.True(original.Memory.TryRead(pfn * 4096, originalPage, out _));
            for (var i = 0; i < 4096; i++)
            {
                var address = (pfn * 4096) + (ulong)i;
                var covered = Cuts.Any(c => address >= c.Start && address < c.End);
                Assert.True(page[i] == (covered ? originalPage[i] : 0), $"pfn 0x{pfn:x} byte 0x{i:x}");
            }
        }

        // libkdumpfile reads every page of our file as we do.
        var ourList = ourPfns.Order().ToList();
        Assert.Equal(PageHashes.Ours(ourDump.Memory, ourList), PageHashes.Libkdumpfile(ours, ourDump.Memory.MaxPfn));
    }
}
