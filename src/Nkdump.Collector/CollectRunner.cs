using Nkdump.Collector.Cli;
using Nkdump.Collector.Debuginfo;
using Nkdump.Collector.Filtering;
using Nkdump.Collector.Pipeline;
using Nkdump.Formats;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;
using Nkdump.Formats.Writing;
using Nkdump.Kernel;

namespace Nkdump.Collector;

/// <summary>
/// Runs a makedumpfile-style request: collect to a file, to standard output (-F), as ELF (-E), or
/// split over several files. Messages follow makedumpfile's message-level bits (1 progress,
/// 2 common, 4 error, 16 report). Dump files are created 0600: they hold all of a machine's secrets.
/// </summary>
public sealed class CollectRunner(CollectArguments arguments, TextWriter messages, Func<Stream> openStandardOutput)
{
    private const int CommonBit = 2;
    private const int ReportBit = 16;

    /// <summary>Default filter window: 2^20 page frames (4 GiB of memory, 64 MiB of struct pages read per window).</summary>
    private const ulong DefaultWindowPages = 1UL << 20;

    private readonly ProgressReporter _progress = new(messages, arguments.MessageLevel);

    public CollectOutcome Run()
    {
        var step = System.Diagnostics.Stopwatch.StartNew();
        using var dump = OpenInput(arguments.Files[0]);
        var vmcoreInfo = KernelFacts(arguments, dump);

        var plan = DumpFilterPlan.Create(dump, arguments.DumpLevel, vmcoreInfo);
        Step("Opening the vmcore", step);
        var window = arguments.CyclicBufferKiB is { } kib ? (ulong)kib * 1024 * 8 : DefaultWindowPages;
        var kept = plan.Kept(window);
        Step("Excluding unnecessary pages", step);
        var workers = arguments.Threads is { } t and > 0 ? t : Environment.ProcessorCount;
        var compression = ToPageCompression(arguments.Compression);

        if (arguments.Elf)
        {
            return WriteElf(dump, plan, kept);
        }

        var present = plan.Present();
        var collector = new KdumpCollector(dump, present, kept, arguments.DumpLevel, compression, workers, _progress);
        if (arguments.Mode == CollectMode.Split)
        {
            return WriteSplit(collector, kept, plan.Statistics);
        }

        if (arguments.Flatten)
        {
            using var stdout = openStandardOutput();
            using var flat = new FlattenedWriteStream(stdout, leaveOpen: true);
            var outcome = collector.Write(flat, null, plan.Statistics);
            flat.Finish();
            Report("the flattened dump was written to standard output");
            return outcome;
        }

        var path = arguments.Files[1];
        using (var output = CreateDumpFile(path))
        {
            var outcome = collector.Write(output, null, plan.Statistics);
            Step("Copying data", step);
            output.FlushToDisk();
            Step("Syncing the dump file", step);
            Report($"The dumpfile is saved to {path}.");
            return outcome;
        }
    }

    /// <summary>
    /// The VMCOREINFO to use: -x's (from the vmlinux) or -i's, each completed by the dump's own, or
    /// null for the dump's alone.
    /// </summary>
    public static VmcoreInfo? KernelFacts(CollectArguments arguments, IKernelDump dump) =>
        arguments.Vmlinux is { } vmlinux ? VmlinuxVmcoreInfo.Build(VmlinuxDebuginfo.Open(vmlinux), dump)
        : arguments.VmcoreInfoFile is { } file ? VmlinuxVmcoreInfo.Merge(ReadVmcoreInfoFile(file).Entries, dump.VmcoreInfo)
        : null;

    /// <summary>-i: a VMCOREINFO text file (makedumpfile -g writes them; /sys/kernel/vmcoreinfo's note holds one).</summary>
    private static VmcoreInfo ReadVmcoreInfoFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > VmcoreInfo.MaxSize)
            {
                throw new NkdumpException($"-i {path}: {info.Length} bytes is more than a VMCOREINFO ({VmcoreInfo.MaxSize})");
            }

            return VmcoreInfo.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not an IOException any more: that would read as a failed write of the dump.
            throw new NkdumpException($"-i {path}: cannot read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens VMCORE. An ELF file (/proc/vmcore) is read with pread(2) and its pages are mapped a
    /// window at a time by the threads that compress them (<see cref="WindowMappedFile"/>: mapping
    /// all of /proc/vmcore costs the capture kernel page tables in proportion to the crashed machine);
    /// only pread when the kernel refuses mmap or --non-mmap asks for it, as makedumpfile does.
    /// Other formats (re-filtering a dump file) are mapped whole.
    /// </summary>
    private IKernelDump OpenInput(string path)
    {
        var mode = arguments.NonMmap ? FileReadMode.Read : FileReadMode.MapWindowsOrRead;
        if (OpenForReading(path, mode) is { } file)
        {
            if (DumpOpener.Probe(file) == DumpFormat.Elf)
            {
                var elf = ElfVmcore.Open(file);
                if (elf is { IsMemoryMapped: false, ReadReason: { } reason } && !arguments.NonMmap)
                {
                    Report($"{path}: {reason}");
                }

                return elf;
            }

            file.Dispose();
        }

        return DumpOpener.Open(path);
    }

    /// <summary>The file for positional reads, or null when it cannot be read that way (a pipe: DumpOpener streams it).</summary>
    private static IRandomAccessFile? OpenForReading(string path, FileReadMode mode)
    {
        try
        {
            return RandomAccessFile.Open(path, mode: mode);
        }
        catch (NkdumpException)
        {
            return null;
        }
    }

    private CollectOutcome WriteElf(IKernelDump dump, DumpFilterPlan plan, PfnBitmap kept)
    {
        var filtered = new FilteredMemory(dump.Memory, kept, arguments.DumpLevel.HasFlag(DumpLevel.Zero));

        // Like makedumpfile -E, keep the vmcore's virtual addresses (direct map, kernel text map): drgn needs them.
        var layout = KernelSession.For(dump).ElfVirtualLayout();
        if (arguments.Flatten)
        {
            using var stdout = openStandardOutput();
            using var flat = new FlattenedWriteStream(stdout, leaveOpen: true);
            ElfWriter.Write(filtered, dump.Notes, flat, layout);
            flat.Finish();
        }
        else
        {
            using var output = CreateDumpFile(arguments.Files[1]);
            ElfWriter.Write(filtered, dump.Notes, output, layout);
            output.FlushToDisk();
            Report($"The dumpfile is saved to {arguments.Files[1]}.");
        }

        var count = kept.Count(0, kept.Bits);
        return new CollectOutcome(count, 0, count, plan.Statistics);
    }

    /// <summary>--split: every file gets an equal share of the kept pages, in PFN order (makedumpfile's split by pages).</summary>
    private CollectOutcome WriteSplit(KdumpCollector collector, PfnBitmap kept, FilterStatistics statistics)
    {
        var outputs = arguments.Files.Skip(1).ToArray();
        var total = kept.Count(0, kept.Bits);
        long written = 0, zero = 0;
        var start = 0UL;
        for (var i = 0; i < outputs.Length; i++)
        {
            var end = i == outputs.Length - 1 ? kept.Bits : PfnAfter(kept, start, (total - written) / (outputs.Length - i));
            using var output = CreateDumpFile(outputs[i]);
            var part = collector.Write(output, (start, end), statistics);
            output.FlushToDisk();
            written += part.PagesWritten;
            zero += part.ZeroPages;
            start = end;
        }

        Report($"The dumpfiles are saved to {string.Join(", ", outputs)}.");
        return new CollectOutcome(written, zero, total, statistics);
    }

    /// <summary>The PFN just after the <paramref name="count"/>-th kept page from <paramref name="start"/>.</summary>
    private static ulong PfnAfter(PfnBitmap kept, ulong start, long count)
    {
        var pfn = start;
        for (long seen = 0; seen < count; seen++)
        {
            pfn = kept.NextSet(pfn) + 1;
        }

        return Math.Min(pfn, kept.Bits);
    }

    /// <summary>Creates the dump file 0600, writing back early (see <see cref="EarlyWritebackStream"/>).</summary>
    private EarlyWritebackStream CreateDumpFile(string path)
    {
        var options = new FileStreamOptions
        {
            Mode = arguments.Force ? FileMode.Create : FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        try
        {
            return new EarlyWritebackStream(new FileStream(path, options));
        }
        catch (IOException) when (!arguments.Force && File.Exists(path))
        {
            throw new NkdumpException($"{path}: file exists (use -f to overwrite)");
        }
    }

    /// <summary>makedumpfile's report message: "STEP [name] : seconds", shown with message-level bit 16.</summary>
    private void Step(string name, System.Diagnostics.Stopwatch watch)
    {
        if ((arguments.MessageLevel & ReportBit) != 0)
        {
            messages.WriteLine(System.FormattableString.Invariant($"STEP [{name}] : {watch.Elapsed.TotalSeconds:F6} seconds"));
        }

        watch.Restart();
    }

    private void Report(string line)
    {
        if ((arguments.MessageLevel & CommonBit) != 0)
        {
            messages.WriteLine(line);
        }
    }

    public static PageCompression ToPageCompression(CollectCompression compression) => compression switch
    {
        CollectCompression.Zlib => PageCompression.Zlib,
        CollectCompression.Lzo => PageCompression.Lzo,
        CollectCompression.Snappy => PageCompression.Snappy,
        CollectCompression.Zstd => PageCompression.Zstd,
        _ => PageCompression.None,
    };
}
