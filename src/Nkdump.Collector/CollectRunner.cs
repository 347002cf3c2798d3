using Nkdump.Collector.Budget;
using Nkdump.Collector.Debuginfo;
using Nkdump.Collector.Filtering;
using Nkdump.Collector.Output;
using Nkdump.Collector.Pipeline;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Age;
using Nkdump.Formats.Codecs;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Formats.Writing;
using Nkdump.Kernel;

namespace Nkdump.Collector;

/// <summary>
/// Runs a makedumpfile-style request: collect to a file, to standard output (-F), as ELF (-E), or
/// split over several files, through the collector's one pipeline (<see cref="PageCopy"/>). Messages
/// follow makedumpfile's message-level bits (1 progress, 2 common, 4 error, 16 report). Dump files
/// are created by <see cref="DumpFile"/>: 0600, no symbolic link followed, no file replaced without -f.
/// </summary>
public sealed class CollectRunner(CollectArguments arguments, TextWriter messages, Func<Stream> openStandardOutput)
{
    private const int CommonBit = 2;
    private const int ReportBit = 16;

    /// <summary>Default filter window: 2^20 page frames (4 GiB of memory, 64 MiB of struct pages read per window).</summary>
    private const ulong DefaultWindowPages = 1UL << 20;

    private readonly ProgressReporter _progress = new(messages, arguments.MessageLevel);
    private readonly DumpLevel _level = (DumpLevel)(arguments.DumpLevel ?? 0);

    /// <summary>Since the collection was asked for: a time limit counts from here.</summary>
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>
    /// Opens the stream DUMPFILE stands for; null (the default) makes the new file (<see cref="DumpFile"/>).
    /// A raw target that encrypts gives a flattened stream on its device here (see RawDump in the capture):
    /// the dump is then written as into a file, and its age file is what the device's records reassemble to.
    /// </summary>
    public Func<string, Stream>? OpenDumpFile { get; init; }

    /// <summary>Opens VMCORE (the first file) and collects it.</summary>
    public CollectOutcome Run()
    {
        var step = System.Diagnostics.Stopwatch.StartNew();
        using var dump = OpenInput(arguments.Files[0], arguments.NonMmap, Report);
        return Collect(dump, KernelFacts(arguments, dump), step);
    }

    /// <summary>
    /// Collects a dump the caller opened and still owns (the capture kernel can open /proc/vmcore once,
    /// with <see cref="OpenInput"/>, for its own facts and for this); VMCORE in the arguments only names
    /// it. <paramref name="vmcoreInfo"/> is the VMCOREINFO to filter with, when the caller already has
    /// it (its kernel session's, -x/-i applied); null lets the collector apply -x/-i to the dump's own.
    /// </summary>
    public CollectOutcome Collect(IKernelDump dump, VmcoreInfo? vmcoreInfo = null) =>
        Collect(dump, vmcoreInfo ?? KernelFacts(arguments, dump), System.Diagnostics.Stopwatch.StartNew());

    private CollectOutcome Collect(IKernelDump dump, VmcoreInfo? vmcoreInfo, System.Diagnostics.Stopwatch step)
    {
        if (!arguments.Elf)
        {
            // Before any work and before the file is made: -l, -c, -p, -z, -F and --split all write kdump-compressed.
            KdumpBitmapLimit.Check(dump, dump.Memory.MaxPfn, "-E");
        }

        var plan = DumpFilterPlan.Create(dump, _level, vmcoreInfo);
        Step("Opening the vmcore", step);
        var window = arguments.CyclicBufferKiB is { } kib ? (ulong)kib * 1024 * 8 : DefaultWindowPages;
        var kept = plan.Kept(window);
        Step("Excluding unnecessary pages", step);
        var writers = new DumpWriters(dump);
        var source = new PageSource(dump.Memory, dump.Path);

        // Pages that repeat an earlier one are stored once, unless free pages are excluded: what
        // repeats is mostly free pages' stale contents and the page cache, and with them gone the
        // hashing cost more time (7 % at -d 31) than the 0.4-1.3 % of bytes it saved on the fixtures;
        // at -d 1 the files are 20 % smaller (docs/BENCHMARKS.md).
        var pipeline = new PipelineOptions(DetectZeroPages: _level.HasFlag(DumpLevel.Zero),
            arguments.Threads is { } t and > 0 ? t : Environment.ProcessorCount,
            StoreIdenticalPagesOnce: !_level.HasFlag(DumpLevel.Free));
        var compression = arguments.Compression;
        if (arguments.Mode == CollectMode.Split)
        {
            var partialInSplit = ReportPartialPages(dump.Memory, kept);
            return WriteSplit(writers, new KdumpPages(dump.Memory.MaxPfn, plan.Present(), kept), source, pipeline, plan.Statistics) with { PartialPages = partialInSplit };
        }

        // ELF has no shared zero page: with dump level bit 1 its zero pages are left out altogether.
        var pages = arguments.Elf ? ElfPages.Held(dump.Memory, kept, _level.HasFlag(DumpLevel.Zero)) : kept;
        var partial = ReportPartialPages(dump.Memory, pages);
        var present = arguments.Elf ? null : plan.Present();

        // Most important pages first when the dump may be cut short (a budget; the capture, where the
        // disk may fill up): see WriteOrder. ELF files are always in PFN order.
        var order = arguments.ImportantFirst && !arguments.Elf
            ? WriteOrder.ImportantFirst(dump, _level, vmcoreInfo, kept, window)
            : WriteOrder.ByPfn(pages);
        if (arguments.HasBudget)
        {
            pipeline = pipeline with
            {
                Budget = new CaptureBudget(arguments.SizeLimitBytes, arguments.TimeLimitSeconds is { } s ? TimeSpan.FromSeconds(s) : null, _clock),
            };
        }

        PagesCopied Copy(Stream output)
        {
            using var writer = arguments.Elf
                ? writers.Elf(output, pages)
                : (IDumpWriter)writers.Kdump(output, new KdumpPages(dump.Memory.MaxPfn, present!, pages), compression, (int)_level, anyOrder: order.Passes.Count > 1);
            return PageCopy.Run(writer, source, order, 0, pages.Bits, pipeline, _progress);
        }

        PagesCopied copied;
        if (arguments.Flatten)
        {
            using var stdout = openStandardOutput();
            copied = Encrypted(stdout, output =>
            {
                using var flat = new FlattenedWriteStream(output, leaveOpen: true);
                var done = Copy(flat);
                flat.Finish();
                return done;
            });
            Report("the flattened dump was written to standard output");
        }
        else
        {
            var path = arguments.Files[1];
            using var output = OpenDumpFile?.Invoke(path) ?? CreateDumpFile(path);
            copied = Encrypted(output, Copy);
            Step("Copying data", step);
            if (output is EarlyWritebackStream file)
            {
                file.FlushToDisk();
            }
            else
            {
                output.Flush();
            }

            Step("Syncing the dump file", step);
            Report($"The dumpfile is saved to {path}.");
        }

        var inDump = pages.Count(0, pages.Bits);
        if (copied.StoppedBy is { } reason)
        {
            Report($"The capture budget stopped the dump: {reason}. {copied.PagesWritten} of {inDump} pages were written, the most important first; the dump is marked incomplete.");
        }

        return new CollectOutcome(copied.PagesWritten, copied.ZeroPages, copied.StoppedBy is null ? copied.PagesWritten : inDump, plan.Statistics, partial, copied.StoppedBy);
    }

    /// <summary>
    /// Runs <paramref name="copy"/> on <paramref name="output"/>, or, with --encrypt, on an age file
    /// written into it (every target's bytes pass here, so every target gets the same encryption). A
    /// file gets <see cref="AgeSeekableWriteStream"/>: the writer seeks in the plaintext as in a plain
    /// file, so `age -d` gives the bytes an unencrypted collect writes. Standard output (-F) gets
    /// <see cref="AgeWriteStream"/> around the flattened stream <paramref name="copy"/> writes there, as
    /// unencrypted -F writes it.
    /// </summary>
    private PagesCopied Encrypted(Stream output, Func<Stream, PagesCopied> copy)
    {
        if (arguments.Encrypt.Count == 0)
        {
            return copy(output);
        }

        var recipients = arguments.Encrypt.Select(AgeRecipient.Parse).ToArray();
        if (arguments.Flatten)
        {
            using var stream = new AgeWriteStream(output, recipients, leaveOpen: true);
            var streamed = copy(stream);
            stream.Finish();
            return streamed;
        }

        using var age = new AgeSeekableWriteStream(output, recipients);
        var copied = copy(age);
        age.Finish();
        return copied;
    }

    /// <summary>
    /// Says how many of the pages to write the dump has only in part (ELF segments starting or ending
    /// inside them), when any: they are written whole, the missing bytes as zeros. Returns the count.
    /// </summary>
    private long ReportPartialPages(IPhysicalMemory memory, PfnBitmap pages)
    {
        var partial = memory.PartialPages.LongCount(pfn => pages[pfn]);
        if (partial > 0)
        {
            Report($"{partial} pages were only partly in the dump (ELF segments start or end inside them): their missing bytes are written as zeros.");
        }

        return partial;
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
            // Bounded while reading and regular files only: a FIFO or a device named by -i fails at once.
            return VmcoreInfo.Parse(InputFile.ReadAllBytes(path, InputLimits.VmcoreInfoFile, "the VMCOREINFO file"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not an IOException any more: that would read as a failed write of the dump.
            throw new NkdumpException($"-i {path}: cannot read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens VMCORE as the collector reads it. An ELF file (/proc/vmcore) is read with pread(2) and its
    /// pages are mapped a window at a time by the threads that compress them (<see cref="WindowMappedFile"/>:
    /// mapping all of /proc/vmcore costs the capture kernel page tables in proportion to the crashed
    /// machine); only pread when the kernel refuses mmap or <paramref name="nonMmap"/> (--non-mmap) asks
    /// for it, as makedumpfile does. Other formats (re-filtering a dump file) are mapped whole.
    /// </summary>
    /// <param name="report">Told why an ELF file is not mapped, when it is not asked for.</param>
    public static IKernelDump OpenInput(string path, bool nonMmap, Action<string> report)
    {
        var mode = nonMmap ? FileReadMode.Read : FileReadMode.MapWindowsOrRead;
        if (OpenForReading(path, mode) is { } file)
        {
            if (DumpOpener.Probe(file) == DumpFormat.Elf)
            {
                var elf = ElfVmcore.Open(file);
                if (elf is { IsMemoryMapped: false, ReadReason: { } reason } && !nonMmap)
                {
                    report($"{path}: {reason}");
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

    /// <summary>--split: every file gets an equal share of the kept pages, in PFN order (makedumpfile's split by pages).</summary>
    private CollectOutcome WriteSplit(DumpWriters writers, KdumpPages pages, PageSource source, PipelineOptions pipeline, FilterStatistics statistics)
    {
        var kept = pages.Dumped;
        var outputs = arguments.Files.Skip(1).ToArray();
        var total = kept.Count(0, kept.Bits);
        long written = 0, zero = 0;
        var start = 0UL;
        for (var i = 0; i < outputs.Length; i++)
        {
            var end = i == outputs.Length - 1 ? kept.Bits : PfnAfter(kept, start, (total - written) / (outputs.Length - i));
            using var output = CreateDumpFile(outputs[i]);
            using (var writer = writers.Kdump(output, pages, arguments.Compression, (int)_level, (start, end)))
            {
                var part = PageCopy.Run(writer, source, kept, start, end, pipeline, _progress);
                written += part.PagesWritten;
                zero += part.ZeroPages;
            }

            output.FlushToDisk();
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

    /// <summary>Creates a dump file (<see cref="DumpFile"/>), writing back early (see <see cref="EarlyWritebackStream"/>).</summary>
    private EarlyWritebackStream CreateDumpFile(string path) => new(DumpFile.Create(path, arguments.Force));

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
}
