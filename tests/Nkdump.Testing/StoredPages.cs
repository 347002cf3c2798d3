using Nkdump.Formats;
using Nkdump.Formats.Kdump;
using Xunit;

namespace Nkdump.Testing;

/// <summary>
/// Compares two kdump-compressed files page by page as stored: the same page states and, for every
/// page with data, the same stored bytes in the same compression. nkdump stores a page whose bytes
/// repeat an earlier page's as a pointer to them, so its file is no longer byte-identical to
/// makedumpfile's, but every page must still read from exactly makedumpfile's bytes.
/// </summary>
internal static class StoredPages
{
    /// <summary>Asserts <paramref name="ours"/> stores every page as <paramref name="theirs"/> does, in no more bytes; returns the page count.</summary>
    public static long AssertSameAs(string ours, string theirs)
    {
        using var a = KdumpDump.Open(ours);
        using var b = KdumpDump.Open(theirs);
        Assert.Equal(b.Memory.MaxPfn, a.Memory.MaxPfn);
        long pages = 0;
        for (ulong pfn = 0; pfn < a.Memory.MaxPfn; pfn++)
        {
            var state = a.Memory.GetPageState(pfn);
            Assert.True(state == b.Memory.GetPageState(pfn), $"pfn 0x{pfn:x}: {state} against {b.Memory.GetPageState(pfn)}");
            if (state != PageState.Present)
            {
                continue;
            }

            Assert.True(a.TryGetStored(pfn, out var mine, out var myCompression));
            Assert.True(b.TryGetStored(pfn, out var their, out var theirCompression));
            Assert.True(myCompression == theirCompression && mine.SequenceEqual(their), $"pfn 0x{pfn:x}: stored bytes differ");
            pages++;
        }

        Assert.True(new FileInfo(ours).Length <= new FileInfo(theirs).Length, $"{ours} is larger than {theirs}");
        return pages;
    }
}
