using Nkdump.Collector;
using Nkdump.Collector.Output;
using Nkdump.Config.Collect;
using Nkdump.Formats;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;
using Nkdump.Formats.Kdump;
using Nkdump.Kernel;
using Nkdump.Kernel.Printk;

namespace Nkdump.Cli.Commands;

/// <summary>
/// Verbs of the core collector: collect, which takes makedumpfile's options. The same handler runs
/// when the binary is invoked as "makedumpfile" (a symlink), so kdump setups can use nkdump as
/// their core collector unchanged.
/// </summary>
internal static class CollectorCommands
{
    public const string MakedumpfileName = "makedumpfile";

    private const string Help = """
      Options (makedumpfile's, with the same meaning):
        -c | -l | -p | -z     compress pages with zlib | lzo | snappy | zstd (default: none)
        -d LEVEL              dump level 0-31: exclude zero (1), cache (2), private cache (4),
                              user (8) and free (16) pages; hardware-poisoned and offline pages
                              are always excluded
        -E                    write an ELF dump instead of kdump-compressed
        -F                    write the flattened format to standard output (VMCORE only)
        -f                    overwrite DUMPFILE if it exists (otherwise refuse)
        -i VMCOREINFO         take VMCOREINFO from this file instead of the dump
        -x VMLINUX            take the kernel's facts from VMLINUX's BTF and symbols (.symtab,
                              or the System.map beside a stripped vmlinux); the dump's
                              VMCOREINFO fills what it lacks. DWARF is not read.
        --split               VMCORE DUMPFILE1 DUMPFILE2...: share the pages among several files
        --reassemble          DUMPFILE1 DUMPFILE2... DUMPFILE: join a split set into one file
        -R                    DUMPFILE: rebuild a dump from flattened data on standard input
        --dump-dmesg          VMCORE LOGFILE: write the kernel log
        --mem-usage           VMCORE: print page counts by type
        --message-level N     bits: 1 progress, 2 common, 4 error, 16 report (default 7)
        --num-threads N       compression threads (default: one per CPU)
        --cyclic-buffer KIB   filter memory in windows of KIB*8192 page frames
        --non-mmap            read VMCORE with read() instead of mmap() (which is also the
                              fallback when the kernel refuses to map it)
        --encrypt RECIPIENT   (nkdump's) encrypt the dump in the age format to RECIPIENT: an
                              age1... key, or an ssh-ed25519 / ssh-rsa public key line; may be
                              repeated. A kdump-compressed dump is flattened inside (age -d
                              gives what -F writes; nkdump reassemble or makedumpfile -R turn
                              it into the file); read it with --identity (info, dmesg, analyze)
      nkdump's own (a capture budget; kdump.conf's dump_size_limit and dump_time_limit):
        --size-limit SIZE     stop when DUMPFILE would grow past SIZE bytes (512M, 2G)
        --time-limit SECONDS  stop writing pages SECONDS after the collection started
                              With either, pages are written most important first (kernel
                              memory, then page cache and user data, then free pages); a dump
                              the budget stops is complete as far as it got, marked incomplete
                              in its header, and collect exits 0 saying so.
      Refused (named in the error): -b -D -e -g -L -X and makedumpfile's Xen, eppic and
      config options. Dump files (and --dump-dmesg's LOGFILE) are created mode 0600, never
      through a symbolic link. Exit status: 0 done, 1 failed (a partial dump stays marked
      incomplete), 2 usage.
      """;

    public static IReadOnlyList<Command> All { get; } =
    [
        new Command(
            "collect",
            "filter and compress a vmcore into a dump file (makedumpfile's options; also runs as 'makedumpfile')",
            "collect [OPTIONS] VMCORE DUMPFILE",
            Help,
            Run),
    ];

    public static int Run(CommandContext ctx, string[] args)
    {
        CollectArguments arguments;
        try
        {
            arguments = CollectArguments.Parse(args);
        }
        catch (CollectUsageException e)
        {
            throw new UsageException(e.Message);
        }

        switch (arguments.Mode)
        {
            case CollectMode.Help:
                ctx.Out.WriteLine("Usage: nkdump collect [OPTIONS] VMCORE DUMPFILE");
                ctx.Out.Write(Help);
                return ExitCodes.Success;
            case CollectMode.Version:
                ctx.Out.WriteLine($"nkdump {CommandLine.Version} (makedumpfile-compatible collector)");
                return ExitCodes.Success;
            case CollectMode.Rearrange:
                using (var stdin = ctx.OpenStandardInput())
                using (var output = DumpFile.Create(arguments.Files[0], arguments.Force, bufferSize: 1 << 16))
                {
                    FlattenedReader.Reassemble(stdin, output, "standard input");
                }

                return ExitCodes.Success;
            case CollectMode.Reassemble:
                return Reassemble(arguments);
            case CollectMode.DumpDmesg:
                return DumpDmesg(ctx, arguments);
            case CollectMode.MemUsage:
                using (var dump = DumpOpener.Open(arguments.Files[0]))
                {
                    ctx.Out.Write(MemoryUsage.Compute(dump, CollectRunner.KernelFacts(arguments, dump)).Render());
                }

                return ExitCodes.Success;
        }

        try
        {
            new CollectRunner(arguments, ctx.Error, ctx.OpenStandardOutput).Run();
            return ExitCodes.Success;
        }
        catch (IOException e)
        {
            ctx.Error.WriteLine($"nkdump collect: error: writing the dump failed: {e.Message}; the dump written so far is marked incomplete");
            return ExitCodes.Failure;
        }
    }

    /// <summary>--reassemble: the parts of a split set joined into one file in their compression (a conversion: stored pages are copied).</summary>
    private static int Reassemble(CollectArguments arguments)
    {
        var parts = arguments.Files.Take(arguments.Files.Count - 1).ToArray();
        using var dump = DumpOpener.Open(parts);
        var compression = dump is KdumpDump kdump ? kdump.Header.Compression : Formats.Codecs.PageCompression.None;
        using var output = DumpFile.Create(arguments.Files[^1], arguments.Force);
        DumpConverter.Convert(dump, output, OutputFormat.Kdump, compression, arguments.Threads ?? 0);
        return ExitCodes.Success;
    }

    private static int DumpDmesg(CommandContext ctx, CollectArguments arguments)
    {
        using var dump = DumpOpener.Open(arguments.Files[0]);
        var kernel = KernelContext.Open(dump.Memory, CollectRunner.KernelFacts(arguments, dump) ?? dump.VmcoreInfo);
        var log = KernelLogReader.Read(kernel);

        // The log holds kernel addresses and whatever the kernel printed: private, like the dump.
        using (var file = DumpFile.Create(arguments.Files[1], arguments.Force, bufferSize: 1 << 16))
        using (var text = new StreamWriter(file, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            text.Write(DmesgTextFormatter.Format(log.Records, caller: false));
        }

        foreach (var problem in log.Problems)
        {
            ctx.Error.WriteLine($"nkdump collect: {problem}");
        }

        return log.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
