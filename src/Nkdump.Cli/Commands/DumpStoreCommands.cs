using System.Globalization;
using Nkdump.Analysis.Triage;
using Nkdump.Capture;
using Nkdump.Capture.Store;
using Nkdump.Config;
using Nkdump.Config.Crashkernel;
using Nkdump.Formats;
using Nkdump.Setup;

namespace Nkdump.Cli.Commands;

/// <summary>The saved dumps on this host, as coredumpctl for kernel crashes: list, show, rm, prune, and the boot report.</summary>
internal static class DumpStoreCommands
{
    private const string Where =
        "  --dir DIR         the dump directory (default: kdump.conf's path on its target: where it is mounted\n"
        + "                    here; an NFS export not mounted is mounted read-only meanwhile (list, show, report);\n"
        + "                    on an ssh target the server is read over the capture's connection (list, show, report))\n"
        + "  --config FILE     kdump.conf (default ROOT/etc/kdump.conf; kdump-utils' defaults when there is none)\n"
        + HostCommandSupport.RootHelp;

    private const string Ids =
        "A dump's ID is its directory's name (e.g. 127.0.0.1-2026-11-26-09:05:07, or 202611260905 for\n"
        + "Debian's layout); a unique prefix of it works too, and so does the directory's path.\n";

    public static IReadOnlyList<Command> All { get; } =
    [
        new("list", "list the saved crash dumps, newest first: crash time, kernel, panic, signature, size, state",
            "list [DIR] [--json] [--dir DIR] [--config FILE] [--root DIR]",
            "  --json            one JSON object: the directory and its dumps with their files and problems\n" + Where + "\n"
            + "A dump directory is known by what it holds (vmcore, vmcore-incomplete, vmcore.flat, dump.*, the\n"
            + "log), so nkdump's, kdump-utils' and Debian kdump-tools' layouts are all listed. What is wrong\n"
            + "with one (cut short, no log, not a dump, unreadable) is said under it, and the list goes on.\n" + Ids,
            List),
        new("show", "the triage report of one saved dump, with its files and what is wrong with it",
            "show ID [--json] [--dir DIR] [--config FILE] [--root DIR]", "  --json            {dump, triage}\n" + Where + "\n" + Ids, Show),
        new("rm", "remove saved dumps (never one being written)", "rm ID... [--dir DIR] [--config FILE] [--root DIR]",
            Where + "\n" + Ids + "Every ID is looked up first: when one is unknown or ambiguous, nothing is removed (exit 1).\n", Remove),
        new("prune", "remove old dumps as kdump.conf's keep_dumps and keep_free_space say",
            "prune [--dry-run] [--keep-dumps N] [--keep-free-space SIZE] [--dir DIR] [--config FILE] [--root DIR]",
            "  --dry-run              say what would be removed, remove nothing\n"
            + "  --keep-dumps N         keep at most N dumps (instead of kdump.conf's keep_dumps)\n"
            + "  --keep-free-space SIZE remove old dumps until SIZE (e.g. 2G) is free (instead of keep_free_space)\n" + Where + "\n"
            + "Oldest first; a dump being written is never removed. The capture kernel applies the same\n"
            + "settings before it saves a dump, leaving room for the new one.\n",
            Prune),
        new("report", "log each dump not reported yet to the journal, run report_hook, complete 'test' (run at boot)",
            "report [--dir DIR] [--config FILE] [--root DIR]",
            Where + "\n"
            + "One line per new dump on stdout with a syslog priority prefix (nkdump-report.service puts it in\n"
            + "the journal): crash time, panic reason, signature, release, path. kdump.conf's report_hook runs\n"
            + "once per new dump with the triage JSON on its stdin (NKDUMP_DUMP and NKDUMP_SIGNATURE set).\n"
            + "Reported dumps are remembered in /var/lib/nkdump/reported.json; a pending 'nkdump test' is\n"
            + "marked success or failed. On an ssh or NFS target, which machines share, only this machine's dumps\n"
            + "(their directory named after its address toward the server, or its host name) are reported, from the\n"
            + "small files the capture wrote beside each (nkdump-triage.json, the logs), fetched over the capture's ssh\n"
            + "connection into /var/lib/nkdump/remote/ID, or read from the export mounted read-only meanwhile.\n",
            Report),
    ];

    private static OptionParser Options() => new OptionParser().Value("--dir", "--config", "--root");

    private static int List(CommandContext ctx, string[] args)
    {
        var parsed = Options().Flag("--json").Parse(args);
        parsed.ExpectPositionals(0, 1, "at most one dump directory");
        return HostCommandSupport.Guard(ctx, "list", () =>
        {
            using var source = Source(ctx, parsed, parsed.Positionals.Count == 1 ? parsed.Positionals[0] : null);
            var dumps = source.List();
            if (!source.Exists)
            {
                throw new NkdumpException($"{source.Where}: no such directory (no dump was saved there yet, or the target is not mounted)");
            }

            dumps = source.WithSmallFiles(dumps, logsToo: false);
            // Newest crash first: the dump's own crash time where it can be read, else when it was saved.
            var rows = dumps.Select(d => (Dump: d, Summary: DumpSummaries.Read(d)))
                .OrderByDescending(r => r.Summary.CrashInstant ?? r.Dump.Saved).ToList();
            if (parsed.Has("--json"))
            {
                HostJsonContext.Write(ctx.Out, new DumpListJson(source.Where, rows.Select(r => ToJson(r.Dump, r.Summary)).ToList()), HostJsonContext.Default.DumpListJson);
                return ExitCodes.Success;
            }

            if (rows.Count == 0)
            {
                ctx.Out.WriteLine($"no dumps in {source.Where}");
                return ExitCodes.Success;
            }

            ctx.Out.WriteLine($"{rows.Count} dump(s) in {source.Where}, newest first:");
            var width = Math.Max(2, rows.Max(r => r.Dump.Id.Length));
            ctx.Out.WriteLine($"{"ID".PadRight(width)}  {"CRASH TIME",-20}  {"RELEASE",-24}  {"SIGNATURE",-16}  {"SIZE",7}  {"STATE",-13}  PANIC");
            foreach (var (dump, summary) in rows)
            {
                ctx.Out.WriteLine($"{dump.Id.PadRight(width)}  {summary.CrashTime ?? "?",-20}  {summary.Release ?? "?",-24}  {summary.Signature ?? "?",-16}  "
                    + $"{MemorySize.Human((ulong)dump.Size),7}  {dump.State,-13}  {summary.PanicReason ?? "?"}");
                foreach (var problem in Problems(dump, summary))
                {
                    ctx.Out.WriteLine($"{"".PadRight(width)}  ! {problem}");
                }
            }

            return ExitCodes.Success;
        });
    }

    private static int Show(CommandContext ctx, string[] args)
    {
        var parsed = Options().Flag("--json").Parse(args);
        parsed.ExpectPositionals(1, 1, "one dump ID");
        return HostCommandSupport.Guard(ctx, "show", () =>
        {
            var id = parsed.Positionals[0];
            using var source = Source(ctx, parsed, null, allowMissing: id.Contains('/'));
            var dump = id.Contains('/') ? new DumpStore(source.Where).Find(id) : DumpStore.Match(source.List(), id, source.Where);
            dump = source.WithSmallFiles([dump], logsToo: true)[0];
            var (report, _, problem) = DumpSummaries.Triage(dump);
            if (parsed.Has("--json"))
            {
                var summary = DumpSummaries.Read(dump);
                HostJsonContext.Write(ctx.Out, new DumpShowJson(ToJson(dump, summary), report), HostJsonContext.Default.DumpShowJson);
                return report is null ? ExitCodes.Failure : ExitCodes.Success;
            }

            ctx.Out.WriteLine($"dump:      {dump.Id} ({dump.State})");
            ctx.Out.WriteLine($"path:      {dump.Location}");
            ctx.Out.Write(report is null ? $"triage:    not possible: {problem}\n" : TriageText.Format(report));
            ctx.Out.WriteLine("files:");
            foreach (var file in dump.Files)
            {
                ctx.Out.WriteLine($"  {file.Size,12}  {file.Name}");
            }

            foreach (var line in dump.Problems)
            {
                ctx.Out.WriteLine($"problem:   {line}");
            }

            return report is null ? ExitCodes.Failure : ExitCodes.Success;
        });
    }

    private static int Remove(CommandContext ctx, string[] args)
    {
        var parsed = Options().Parse(args);
        if (parsed.Positionals.Count == 0)
        {
            throw new UsageException("expected one or more dump IDs");
        }

        return HostCommandSupport.Guard(ctx, "rm", () =>
        {
            var store = Store(ctx, parsed, null);
            var found = new List<SavedDump>();
            var failed = false;
            foreach (var id in parsed.Positionals.Distinct(StringComparer.Ordinal))
            {
                try
                {
                    found.Add(store.Find(id));
                }
                catch (NkdumpException e)
                {
                    ctx.Error.WriteLine($"nkdump rm: error: {e.Message}");
                    failed = true;
                }
            }

            if (failed)
            {
                ctx.Error.WriteLine("nkdump rm: nothing removed");
                return ExitCodes.Failure;
            }

            foreach (var dump in found.DistinctBy(d => d.Path))
            {
                try
                {
                    DumpStore.Remove(dump);
                    ctx.Out.WriteLine($"removed {dump.Path}");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or NkdumpException)
                {
                    ctx.Error.WriteLine($"nkdump rm: error: {e.Message}");
                    failed = true;
                }
            }

            return failed ? ExitCodes.Failure : ExitCodes.Success;
        });
    }

    private static int Prune(CommandContext ctx, string[] args)
    {
        var parsed = Options().Value("--keep-dumps", "--keep-free-space").Flag("--dry-run").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        return HostCommandSupport.Guard(ctx, "prune", () =>
        {
            var config = Config(ctx, parsed);
            var policy = RetentionPolicy.From(config);
            if (parsed.Get("--keep-dumps") is { } keep)
            {
                policy = policy with
                {
                    KeepDumps = int.TryParse(keep, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
                        : throw new UsageException($"--keep-dumps: '{keep}' is not a number of 1 or more"),
                };
            }

            if (parsed.Get("--keep-free-space") is { } free)
            {
                try
                {
                    policy = policy with { KeepFreeSpace = MemorySize.Parse(free) };
                }
                catch (FormatException e)
                {
                    throw new UsageException($"--keep-free-space: {e.Message}");
                }
            }

            if (policy.IsEmpty)
            {
                ctx.Out.WriteLine($"nothing to prune: {config.File} sets no keep_dumps or keep_free_space (or give --keep-dumps, --keep-free-space)");
                return ExitCodes.Success;
            }

            var store = Store(ctx, parsed, null, config);
            var dryRun = parsed.Has("--dry-run");
            var removed = new Retention(policy).Apply(store, addingOne: false, 0, dryRun, ctx.Out.WriteLine);
            if (removed.Count == 0)
            {
                ctx.Out.WriteLine($"nothing to remove in {store.Directory} ({policy})");
            }

            return ExitCodes.Success;
        });
    }

    private static int Report(CommandContext ctx, string[] args)
    {
        var parsed = Options().Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        return HostCommandSupport.Guard(ctx, "report", () =>
        {
            var config = Config(ctx, parsed);
            var root = new CaptureRoot(HostCommandSupport.Root(parsed));
            return new BootReport(root, config, ctx.Out, DumpSummaries.Read, TimeProvider.System) { Directory = parsed.Get("--dir"), Access = Access(root) }.Run();
        });
    }

    /// <summary>kdump.conf, or kdump-utils' defaults when there is none (list works on a machine without one).</summary>
    private static KdumpConfig Config(CommandContext ctx, ParsedArguments parsed)
    {
        var path = HostCommandSupport.ConfigPath(parsed);
        return File.Exists(path) ? HostCommandSupport.LoadConfig(ctx, path) : KdumpConfigParser.Parse("", path);
    }

    /// <summary>The dump directory: DIR given, --dir, else kdump.conf's target as mounted on this system.</summary>
    private static DumpStore Store(CommandContext ctx, ParsedArguments parsed, string? given, KdumpConfig? config = null)
    {
        if ((given ?? parsed.Get("--dir")) is { } directory)
        {
            return new DumpStore(Path.GetFullPath(directory));
        }

        var (found, problem) = DumpLocation.Find(new CaptureRoot(HostCommandSupport.Root(parsed)), config ?? Config(ctx, parsed));
        return found is null ? throw new NkdumpException(problem!) : new DumpStore(found);
    }

    /// <summary>The dumps to list or show: DIR given, --dir, else kdump.conf's target (mounted here, an NFS export mounted read-only meanwhile, or an ssh server).</summary>
    private static IDumpSource Source(CommandContext ctx, ParsedArguments parsed, string? given, bool allowMissing = false)
    {
        if ((given ?? parsed.Get("--dir")) is { } directory)
        {
            return new LocalDumpSource(Path.GetFullPath(directory));
        }

        var root = new CaptureRoot(HostCommandSupport.Root(parsed));
        var (source, problem) = TargetDumps.Open(root, Config(ctx, parsed), Access(root));
        return source ?? (allowMissing ? new LocalDumpSource("/") : throw new NkdumpException(problem!));
    }

    /// <summary>The system's ssh client and mount(8) (only on the real root: a test's --root mounts nothing).</summary>
    private static TargetAccess Access(CaptureRoot root) =>
        new() { Runner = root.IsSystem ? (argv, output) => ProcessRunner.Real(argv, output) : null };

    private static IEnumerable<string> Problems(SavedDump dump, DumpSummary summary) =>
        summary.Problem is null || dump.DumpFile is null || dump.Format is null ? dump.Problems : [.. dump.Problems, summary.Problem];

    private static DumpJson ToJson(SavedDump dump, DumpSummary summary) => new(
        dump.Id, dump.Location, summary.CrashTime, summary.Release, summary.PanicReason, summary.Signature, dump.Size, dump.State,
        dump.Complete, dump.Format?.ToString(), dump.Saved.ToString("u", CultureInfo.InvariantCulture),
        dump.Files.Select(f => new DumpFileJson(f.Name, f.Size)).ToList(), Problems(dump, summary).ToList());
}
