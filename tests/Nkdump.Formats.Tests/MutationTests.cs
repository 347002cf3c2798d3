using Nkdump.Formats;
using Nkdump.Testing;
using Nkdump.Testing.Builders;

namespace Nkdump.Formats.Tests;

/// <summary>
/// Bounded random mutation of the real fixtures (fixed seeds, a fixed number of iterations):
/// each mutated file either opens and answers every read with bytes or a page state, or is
/// refused with a DumpFormatException / NkdumpException. Nothing else may escape, nothing may hang.
/// </summary>
public sealed class MutationTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var fixture in Fixtures.Names)
        {
            foreach (var file in Fixtures.KdumpFiles(fixture))
            {
                data.Add(file);
            }
        }

        data.Add("elf:debian-6.1.0-56-amd64");
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Mutated_fixtures_open_or_fail_cleanly(string source)
    {
        var original = source.StartsWith("elf:", StringComparison.Ordinal) ? Fixtures.ElfVmcore(source[4..]) : source;
        using var dir = new TempDirectory();
        var path = dir.File("mutant");
        File.Copy(original, path);
        File.SetAttributes(path, FileAttributes.Normal);
        long headerRegion;
        using (var dump = DumpOpener.Open(path))
        {
            // Mutate the headers, bitmaps, descriptors and the first page data: where the parsing is.
            headerRegion = dump is Kdump.KdumpDump k ? k.Files[0].DataOffset + (64 * 4096) : 16384;
        }

        var random = new Random(source.Length * 7919);
        var length = new FileInfo(path).Length;
        var page = new byte[4096];
        var opened = 0;
        for (var iteration = 0; iteration < 60; iteration++)
        {
            var changes = new List<(long Offset, byte Old)>();
            using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                for (var n = random.Next(1, 9); n > 0; n--)
                {
                    var offset = random.NextInt64(0, Math.Min(headerRegion, length));
                    file.Position = offset;
                    var old = (byte)file.ReadByte();
                    changes.Add((offset, old));
                    file.Position = offset;
                    file.WriteByte((byte)random.Next(256));
                }
            }

            try
            {
                using var dump = DumpOpener.Open(path);
                opened++;
                var memory = dump.Memory;
                var checkedPages = 0;
                foreach (var range in memory.Ranges.Take(64))
                {
                    for (var pfn = range.StartPfn; pfn < range.EndPfn && checkedPages < 3000; pfn += 3, checkedPages++)
                    {
                        var state = memory.GetPageState(pfn);
                        var ok = memory.TryRead(pfn * (ulong)memory.PageSize, page, out var failure);
                        Assert.True(ok || failure.State != PageState.Present, $"pfn 0x{pfn:x}: read failed but the state is {state}");
                    }
                }
            }
            catch (DumpFormatException e)
            {
                Assert.Equal(path, e.FilePath);
            }
            catch (NkdumpException)
            {
            }

            using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                foreach (var (offset, old) in Enumerable.Reverse(changes))
                {
                    file.Position = offset;
                    file.WriteByte(old);
                }
            }
        }

        Assert.True(opened > 0, "no mutant opened at all: the mutations never reach the page-reading code");
    }
}
