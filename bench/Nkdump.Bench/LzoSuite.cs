using System.Diagnostics;
using System.Globalization;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;

namespace Nkdump.Bench;

/// <summary>
/// The "lzo" suite: nkdump's managed LZO1X-1 against liblzo2's lzo1x_1_compress (makedumpfile's -l)
/// on the pages a dump stores, one thread, the two alternating round after round so that a slow
/// spell of a shared machine hits both alike; prints each round's times, the median ratio, and
/// whether every page came out as the same bytes.
/// Arguments: DUMP [ROUNDS]: a dump (any format) whose readable non-zero pages are the input, e.g.
/// makedumpfile's -l -d 31 file of a fixture for the pages a -d 31 capture compresses.
/// </summary>
internal static class LzoSuite
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Nkdump.Bench lzo DUMP [ROUNDS]");
            return 2;
        }

        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var pages = LoadPages(args[0]);
        var managed = new Lzo1xCompressor(4096);
        var ours = new byte[8192];
        var theirs = new byte[8192];
        var same = pages.All(page =>
        {
            managed.TryCompress(page, ours, out var n);
            var m = CodecSuite.NativeLzoCompress(page, theirs);
            return n == m && ours.AsSpan(0, n).SequenceEqual(theirs.AsSpan(0, m));
        });

        var managedTimes = new List<double>();
        var nativeTimes = new List<double>();
        var ratios = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var a = Time(() =>
            {
                foreach (var page in pages)
                {
                    managed.TryCompress(page, ours, out _);
                }
            });
            var b = Time(() =>
            {
                foreach (var page in pages)
                {
                    CodecSuite.NativeLzoCompress(page, theirs);
                }
            });
            managedTimes.Add(a);
            nativeTimes.Add(b);
            ratios.Add(a / b);
        }

        var megabytes = pages.Count * 4096 / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{pages.Count} pages of {Path.GetFileName(args[0])}, {rounds} rounds: managed {megabytes / Median(managedTimes):F0} MB/s, liblzo2 {megabytes / Median(nativeTimes):F0} MB/s, managed/liblzo2 time {Median(ratios):F3} (median of rounds), best {managedTimes.Min() * 1e3:F2} ms against {nativeTimes.Min() * 1e3:F2} ms ({managedTimes.Min() / nativeTimes.Min():F3}), same bytes: {(same ? "yes" : "NO")}"));
        return same ? 0 : 1;
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static List<byte[]> LoadPages(string path)
    {
        using var dump = DumpOpener.Open(path);
        var memory = dump.Memory;
        var pages = new List<byte[]>();
        var page = new byte[memory.PageSize];
        foreach (var range in memory.Ranges)
        {
            for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
            {
                if (memory.TryRead(pfn * (ulong)page.Length, page, out _) && page.AsSpan().ContainsAnyExcept((byte)0))
                {
                    pages.Add((byte[])page.Clone());
                }
            }
        }

        return pages;
    }
}
