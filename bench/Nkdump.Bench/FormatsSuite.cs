using System.Diagnostics;
using System.Globalization;
using Nkdump.Collector.Output;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;

namespace Nkdump.Bench;

/// <summary>
/// The "formats" suite: MB/s of reading every page of each fixture format, of converting the ELF
/// fixture with each compression next to makedumpfile doing the same (-d 0), and of each page codec
/// (managed and native) over the fixture's pages. Prints Markdown tables.
/// Arguments: FIXTURES_DIR ELF_VMCORE [SCRATCH_DIR].
/// </summary>
internal static class FormatsSuite
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: Nkdump.Bench formats FIXTURE_DIR VMCORE_ELF [SCRATCH_DIR]");
            return 2;
        }

        var fixtureDir = args[0];
        var elf = args[1];
        var scratch = args.Length > 2 ? args[2] : Path.GetTempPath();
        Directory.CreateDirectory(scratch);

        Console.WriteLine($"Load average at start: {File.ReadAllText("/proc/loadavg").Trim()} (other work on the machine slows both tools alike).");
        Console.WriteLine();
        Console.WriteLine("### Reading every page (page cache warm, best of 3)");
        Console.WriteLine();
        Console.WriteLine("| file | format | pages read | MB | seconds | MB/s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var file in new[] { elf }.Concat(Directory.GetFiles(fixtureDir, "vmcore.kdump-*").Order(StringComparer.Ordinal)))
        {
            ReadAll(file);
        }

        Console.WriteLine();
        Console.WriteLine("### Converting the ELF vmcore (every page kept: -d 0), same run");
        Console.WriteLine();
        Console.WriteLine("| tool | compression | input MB | output MB | seconds | MB/s |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        var inputMb = MegabytesOfPages(elf);
        foreach (var compression in new[] { PageCompression.None, PageCompression.Zlib, PageCompression.Lzo, PageCompression.Snappy, PageCompression.Zstd })
        {
            var output = Path.Combine(scratch, $"bench.{compression}");
            var seconds = Best(() =>
            {
                using var dump = DumpOpener.Open(elf);
                using var stream = new FileStream(output, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 0);
                DumpConverter.Convert(dump, stream, OutputFormat.Kdump, compression);
            });
            Row("nkdump convert", PageCodecs.Name(compression), inputMb, new FileInfo(output).Length / 1e6, seconds);
            File.Delete(output);
        }

        foreach (var (flag, name) in new[] { ("", "none"), ("-c", "zlib"), ("-l", "lzo") })
        {
            var output = Path.Combine(scratch, "bench.makedumpfile");
            string[] arguments = flag.Length == 0 ? ["-d", "0", elf, output] : [flag, "-d", "0", elf, output];
            var seconds = Best(() =>
            {
                File.Delete(output);
                using var process = Process.Start(new ProcessStartInfo("makedumpfile", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
            });
            Row("makedumpfile 1.7.2", name, inputMb, new FileInfo(output).Length / 1e6, seconds);
            File.Delete(output);
        }

        Console.WriteLine();
        Reassemble(elf, scratch);
        Console.WriteLine();
        CodecSuite.Run(elf);
        Console.WriteLine();
        Console.WriteLine($"Load average at end: {File.ReadAllText("/proc/loadavg").Trim()}.");
        return 0;
    }

    /// <summary>Flattened (-F) to normal: nkdump reassemble against makedumpfile -R on the same lzo stream.</summary>
    private static void Reassemble(string elf, string scratch)
    {
        var flat = Path.Combine(scratch, "bench.flat");
        using (var dump = DumpOpener.Open(elf))
        using (var stream = new FileStream(flat, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            DumpConverter.Convert(dump, stream, OutputFormat.Flat, PageCompression.Lzo);
        }

        var mb = new FileInfo(flat).Length / 1e6;
        var output = Path.Combine(scratch, "bench.reassembled");
        Console.WriteLine("### Reassembling a flattened dump (lzo, from a file)");
        Console.WriteLine();
        Console.WriteLine("| tool | flattened MB | seconds | MB/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        var ours = Best(() => Nkdump.Formats.Flattened.FlattenedReader.Reassemble(flat, output));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| nkdump reassemble | {mb:F1} | {ours:F3} | {mb / ours:F0} |"));
        var theirs = Best(() =>
        {
            File.Delete(output);
            using var process = Process.Start(new ProcessStartInfo("sh", ["-c", $"makedumpfile -R '{output}' < '{flat}'"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| makedumpfile 1.7.2 -R | {mb:F1} | {theirs:F3} | {mb / theirs:F0} |"));
        File.Delete(output);
        File.Delete(flat);
    }

    private static void ReadAll(string path)
    {
        long pages = 0;
        string format = "";
        var seconds = Best(() =>
        {
            using var dump = DumpOpener.Open(path);
            format = DumpInfoName(dump.Format);
            var memory = dump.Memory;
            var page = new byte[memory.PageSize];
            pages = 0;
            foreach (var range in memory.Ranges)
            {
                for (var pfn = range.StartPfn; pfn < range.EndPfn; pfn++)
                {
                    if (memory.TryRead(pfn * (ulong)memory.PageSize, page, out _))
                    {
                        pages++;
                    }
                }
            }
        });
        var mb = pages * 4096 / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {Path.GetFileName(path)} | {format} | {pages} | {mb:F0} | {seconds:F3} | {mb / seconds:F0} |"));
    }

    private static string DumpInfoName(DumpFormat format) => Nkdump.Formats.Info.DumpInfo.FormatName(format);

    private static double MegabytesOfPages(string elf)
    {
        using var dump = DumpOpener.Open(elf);
        return dump.Memory.Ranges.Sum(r => (double)r.Count) * dump.Memory.PageSize / 1e6;
    }

    private static void Row(string tool, string compression, double inputMb, double outputMb, double seconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {tool} | {compression} | {inputMb:F0} | {outputMb:F1} | {seconds:F2} | {inputMb / seconds:F0} |"));

    /// <summary>Best of three wall-clock runs (the first also warms the page cache).</summary>
    internal static double Best(Action action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }
}
