using Nkdump.Formats.Codecs;

namespace Nkdump.Config.Collect;

/// <summary>
/// A collect request as makedumpfile's options say it: the one option model that the command line
/// (`nkdump collect`, or the binary run as makedumpfile), kdump.conf's core_collector and the capture
/// path share. makedumpfile's words are parsed once, at the edge (<see cref="Parse"/>,
/// <see cref="ParseOptions"/>); everything after works on the typed request. Options makedumpfile
/// has and nkdump does not are refused by name, never ignored.
/// </summary>
public sealed record CollectArguments
{
    /// <summary>makedumpfile's default message level: progress, common, error, report messages.</summary>
    public const int DefaultMessageLevel = 7;

    /// <summary>The highest dump level: every exclusion bit (zero, cache, private cache, user, free).</summary>
    public const int MaxDumpLevel = 31;

    public CollectMode Mode { get; init; } = CollectMode.Collect;

    /// <summary>-c zlib, -l lzo, -p snappy, -z zstd; none by default.</summary>
    public PageCompression Compression { get; init; } = PageCompression.None;

    /// <summary>-d: the dump level (makedumpfile's exclusion bits 1, 2, 4, 8, 16); null when not given (level 0).</summary>
    public int? DumpLevel { get; init; }

    /// <summary>-E: an ELF dump.</summary>
    public bool Elf { get; init; }

    /// <summary>-F: the flattened format on standard output.</summary>
    public bool Flatten { get; init; }

    /// <summary>-f: replace existing files.</summary>
    public bool Force { get; init; }

    public int MessageLevel { get; init; } = DefaultMessageLevel;

    public int? Threads { get; init; }

    public int? CyclicBufferKiB { get; init; }

    /// <summary>-i: VMCOREINFO from this file.</summary>
    public string? VmcoreInfoFile { get; init; }

    /// <summary>-x: the kernel's facts from this vmlinux.</summary>
    public string? Vmlinux { get; init; }

    public bool NonMmap { get; init; }

    /// <summary>
    /// --encrypt (nkdump's, repeatable): the age recipients (age1…, ssh-ed25519, ssh-rsa public keys) the
    /// dump is encrypted to; empty for a dump in the clear.
    /// </summary>
    public IReadOnlyList<string> Encrypt { get; init; } = [];

    /// <summary>--size-limit: the dump file stops growing at this many bytes (a capture budget; the dump is then marked incomplete).</summary>
    public ulong? SizeLimitBytes { get; init; }

    /// <summary>--time-limit: seconds from the start of the collection after which no more pages are written (a capture budget).</summary>
    public int? TimeLimitSeconds { get; init; }

    /// <summary>
    /// Write the most important pages first (kernel memory, then page cache and user data, then free
    /// pages), so that a dump cut short by its budget or a full disk keeps what matters. On with a
    /// budget and in the capture (<see cref="ForCapture"/>); off otherwise, where the file is laid out
    /// in PFN order as makedumpfile lays it out.
    /// </summary>
    public bool ImportantFirst { get; init; }

    /// <summary>True when a size or time limit is set.</summary>
    public bool HasBudget => SizeLimitBytes is not null || TimeLimitSeconds is not null;

    /// <summary>VMCORE, DUMPFILE… as the mode wants them.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>A whole command line: options and files, checked as a request.</summary>
    public static CollectArguments Parse(IReadOnlyList<string> args) => CollectArgumentParser.Parse(args).Validated();

    /// <summary>
    /// kdump.conf's core_collector words after the program: options only (the capture adds VMCORE and
    /// the dump file, as kdump-utils' kdump.sh does), for collecting a dump. -F may be there or not: the
    /// capture sets it for the target (<see cref="ForCapture"/>).
    /// </summary>
    public static CollectArguments ParseOptions(IReadOnlyList<string> words)
    {
        var options = CollectArgumentParser.Parse(words);
        if (options.Files.Count > 0)
        {
            throw new CollectUsageException($"'{string.Join(' ', options.Files)}': give options only; the capture adds VMCORE and the dump file");
        }

        if (options.Mode != CollectMode.Collect)
        {
            throw new CollectUsageException($"{CollectArgumentParser.Describe(options.Mode)} does not collect a dump, which is what the capture runs the collector for");
        }

        options.CheckOptions();
        return options;
    }

    /// <summary>
    /// The request the capture runs: these options with VMCORE and, for a file target, the dump file; a
    /// stream target (ssh, raw: <paramref name="dumpFile"/> null) gets the flattened format, a file
    /// target never (kdump-utils' kdump.sh drops -F for file targets and adds it for ssh and raw).
    /// </summary>
    public CollectArguments ForCapture(string vmcore, string? dumpFile) =>
        (dumpFile is null ? this with { Flatten = true, Files = [vmcore], ImportantFirst = true } : this with { Flatten = false, Files = [vmcore, dumpFile], ImportantFirst = true }).Validated();

    /// <summary>This request, when the mode and its files fit together and the options agree; else a <see cref="CollectUsageException"/>.</summary>
    public CollectArguments Validated()
    {
        var n = Files.Count;
        switch (Mode)
        {
            case CollectMode.Help or CollectMode.Version:
                return this;
            case CollectMode.Collect when Flatten && n != 1:
                throw new CollectUsageException("with -F give only VMCORE: the flattened dump goes to standard output");
            case CollectMode.Collect when !Flatten && n != 2:
                throw new CollectUsageException("expected VMCORE DUMPFILE");
            case CollectMode.Split when n < 3:
                throw new CollectUsageException("--split needs VMCORE and at least two DUMPFILEs");
            case CollectMode.Split when Encrypt.Count > 0:
                throw new CollectUsageException("--split and --encrypt cannot be combined: encrypt one dump file");
            case CollectMode.Split when Flatten || Elf:
                throw new CollectUsageException("--split writes kdump-compressed files: -F and -E do not apply");
            case CollectMode.Reassemble when n < 3:
                throw new CollectUsageException("--reassemble needs at least two split DUMPFILEs and the output DUMPFILE");
            case CollectMode.Rearrange when n != 1:
                throw new CollectUsageException("-R takes one DUMPFILE and reads the flattened data from standard input");
            case CollectMode.DumpDmesg when n != 2:
                throw new CollectUsageException("--dump-dmesg needs VMCORE LOGFILE");
            case CollectMode.MemUsage when n != 1:
                throw new CollectUsageException("--mem-usage needs VMCORE");
        }

        CheckOptions();
        return this;
    }

    /// <summary>The rules between options, whatever the files.</summary>
    private void CheckOptions()
    {
        if (VmcoreInfoFile is not null && Vmlinux is not null)
        {
            throw new CollectUsageException("-i and -x both give the kernel's facts: use one of them");
        }

        if (Elf && Compression != PageCompression.None)
        {
            throw new CollectUsageException("-E writes an ELF dump, which has no page compression: drop -c/-l/-p/-z");
        }

        if (HasBudget && (Elf || Mode == CollectMode.Split))
        {
            throw new CollectUsageException("--size-limit and --time-limit need one kdump-compressed file (its descriptors mark what is missing): not -E or --split");
        }
    }

    /// <summary>Structural equality (the file list by its items), so the same words give equal requests.</summary>
    public bool Equals(CollectArguments? other) =>
        other is not null && Mode == other.Mode && Compression == other.Compression && DumpLevel == other.DumpLevel
        && Elf == other.Elf && Flatten == other.Flatten && Force == other.Force && MessageLevel == other.MessageLevel
        && Threads == other.Threads && CyclicBufferKiB == other.CyclicBufferKiB && VmcoreInfoFile == other.VmcoreInfoFile
        && Vmlinux == other.Vmlinux && NonMmap == other.NonMmap && SizeLimitBytes == other.SizeLimitBytes
        && TimeLimitSeconds == other.TimeLimitSeconds && ImportantFirst == other.ImportantFirst && Files.SequenceEqual(other.Files)
        && Encrypt.SequenceEqual(other.Encrypt);

    public override int GetHashCode() => HashCode.Combine(Mode, Compression, DumpLevel, Elf, Flatten, Files.Count);
}
