using System.ComponentModel;
using System.Diagnostics;
using Nkdump.Config;

namespace Nkdump.Capture.Store;

/// <summary>What the analysis says about one saved dump: the facts the report and `list` print.</summary>
/// <param name="CrashTime">The crash time as triage prints it, or null.</param>
/// <param name="TriageJson">The whole triage report as JSON (the report hook's stdin), or null when the dump could not be read.</param>
/// <param name="Problem">Why the dump could not be read, or what triage missed; null when nothing.</param>
public sealed record DumpSummary(string? CrashTime, DateTimeOffset? CrashInstant, string? Release, string? PanicReason, string? Signature, string? TriageJson, string? Problem);

/// <summary>
/// `nkdump report`, run once per boot by nkdump-report.service: one line per dump not reported
/// before — crash time, panic reason, signature, path — on standard output with a syslog priority
/// prefix (systemd puts a service's stdout in the journal and reads "&lt;N&gt;" as the priority:
/// 4 warning for a new crash, 3 error for a dump that is incomplete or unreadable), kdump.conf's
/// report_hook for each (the triage JSON on its stdin; NKDUMP_DUMP, NKDUMP_SIGNATURE in its
/// environment), the dumps remembered in /var/lib/nkdump/reported.json, then `nkdump test`'s
/// record completed. A dump being written is left for a later run. Exit status 0 unless the dumps
/// could not be looked at or the state could not be saved; a failing hook is reported, not fatal.
/// </summary>
public sealed class BootReport(CaptureRoot root, KdumpConfig config, TextWriter output, Func<SavedDump, DumpSummary> summarize, TimeProvider clock)
{
    private const string Info = "<6>", Warning = "<4>", Error = "<3>";

    /// <summary>How long the hook may run before it is killed: a report at boot must not hang.</summary>
    public TimeSpan HookTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The dump directory to report on instead of the configured target's (tests, `report DIR`).</summary>
    public string? Directory { get; init; }

    /// <summary>How a network target's dumps are reached (ssh client, mount runner, this machine's names).</summary>
    public TargetAccess Access { get; init; } = new();

    public int Run()
    {
        var (source, problem) = Directory is not null ? (new LocalDumpSource(Directory), null) : TargetDumps.Open(root, config, Access);
        using (source)
        {
            return Run(source, problem);
        }
    }

    private int Run(IDumpSource? source, string? problem)
    {
        IReadOnlyList<SavedDump> dumps = [];
        var status = 0;
        if (source is null)
        {
            output.WriteLine($"{Info}nkdump: {problem}");
        }
        else
        {
            try
            {
                dumps = source.List();
                if (!source.Exists)
                {
                    output.WriteLine($"{Info}nkdump: no dump saved yet ({source.Where} does not exist)");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Formats.NkdumpException)
            {
                problem = $"cannot list the dumps: {e.Message}";
                output.WriteLine($"{Error}nkdump: {problem}");
                status = 1;
            }
        }

        var state = ReadState(ref status);
        var known = state.Dumps.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);

        // On a network target only this machine's dumps: other machines sharing the server report theirs.
        var fresh = dumps.Where(d => !d.BeingWritten && !known.Contains(d.Location) && source!.IsOurs(d)).Reverse().ToList();
        if (fresh.Count > 0)
        {
            try
            {
                fresh = [.. source!.WithSmallFiles(fresh, logsToo: true)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Formats.NkdumpException)
            {
                // Reported all the same, without their crash facts; the next boot does not fetch them again.
                output.WriteLine($"{Error}nkdump: {e.Message}");
                status = 1;
            }
        }

        var summaries = new Dictionary<string, DumpSummary>(StringComparer.Ordinal);
        var reported = state.Dumps.ToList();
        foreach (var dump in fresh)
        {
            var summary = summaries[dump.Location] = summarize(dump);
            output.WriteLine(Line(dump, summary));
            RunHook(dump, summary);
            reported.Add(new ReportedDump(dump.Location, dump.Id, summary.Signature, clock.GetUtcNow()));
        }

        if (fresh.Count == 0 && source is { Exists: true } && problem is null)
        {
            output.WriteLine($"{Info}nkdump: no new crash dump in {source.Where} ({dumps.Count} saved before)");
        }

        try
        {
            if (fresh.Count > 0)
            {
                StoreState.Write(root, StoreState.ReportedFile, new ReportedDumps(reported), StoreJsonContext.Default.ReportedDumps);
            }

            var test = TestRecords.Complete(root, fresh, d => CrashTimeOf(d, summaries), clock.GetUtcNow(), problem);
            if (test is not null)
            {
                output.WriteLine($"{(test.Outcome == TestRecord.Success ? Info : Error)}nkdump: {TestRecords.Describe(test, null)}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"{Error}nkdump: cannot save the report's state under {StoreState.Directory}: {e.Message}");
            status = 1;
        }

        output.Flush();
        return status;
    }

    /// <summary>The journal line of one dump.</summary>
    public static string Line(SavedDump dump, DumpSummary summary)
    {
        var priority = dump.Complete && summary.Signature is not null ? Warning : Error;
        var what = summary.PanicReason is { } reason ? $"\"{reason}\"" : "panic reason unknown";
        var state = dump.Complete ? "" : $" [{dump.State}]";
        var problem = summary.Problem is null ? "" : $" ({summary.Problem})";
        return $"{priority}nkdump: kernel crash at {summary.CrashTime ?? dump.Saved.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}: {what}, "
            + $"signature {summary.Signature ?? "unknown"}, release {summary.Release ?? "unknown"}, saved in {dump.Location}{state}{problem}";
    }

    private static DateTimeOffset CrashTimeOf(SavedDump dump, Dictionary<string, DumpSummary> summaries) =>
        summaries.TryGetValue(dump.Location, out var s) && s.CrashInstant is { } t ? t : dump.Saved;

    private ReportedDumps ReadState(ref int status)
    {
        try
        {
            return StoreState.Read(root, StoreState.ReportedFile, StoreJsonContext.Default.ReportedDumps) ?? new ReportedDumps([]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Starting afresh reports old dumps again: better than never reporting new ones.
            output.WriteLine($"{Error}nkdump: {e.Message}; starting a new list of reported dumps");
            status = 1;
            return new ReportedDumps([]);
        }
    }

    private void RunHook(SavedDump dump, DumpSummary summary)
    {
        if (config.ReportHook is not { } hook)
        {
            return;
        }

        var start = new ProcessStartInfo(root.Resolve(hook)) { UseShellExecute = false, RedirectStandardInput = true };
        start.Environment["NKDUMP_DUMP"] = dump.Location;
        start.Environment["NKDUMP_SIGNATURE"] = summary.Signature ?? "";
        try
        {
            using var process = Process.Start(start) ?? throw new Win32Exception("not started");
            try
            {
                process.StandardInput.Write(summary.TriageJson ?? "{}");
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The hook need not read its input.
            }

            if (!process.WaitForExit(HookTimeout))
            {
                process.Kill(entireProcessTree: true);
                output.WriteLine($"{Error}nkdump: report_hook {hook} did not finish within {HookTimeout.TotalSeconds:0} s for {dump.Location}: killed");
            }
            else if (process.ExitCode != 0)
            {
                output.WriteLine($"{Error}nkdump: report_hook {hook} exited with status {process.ExitCode} for {dump.Location}");
            }
        }
        catch (Win32Exception e)
        {
            output.WriteLine($"{Error}nkdump: cannot run report_hook {hook}: {e.Message}");
        }
    }
}
