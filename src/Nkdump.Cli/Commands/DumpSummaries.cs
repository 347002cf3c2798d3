using System.Globalization;
using System.Text.Json;
using Nkdump.Analysis.Commands;
using Nkdump.Analysis.Triage;
using Nkdump.Capture.Store;
using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Kernel;

namespace Nkdump.Cli.Commands;

/// <summary>
/// A saved dump's crash facts from the triage code (one kernel session: VMCOREINFO, the log, the
/// panic task's stack; no page scan), for list, show and the boot report. A dump that cannot be
/// opened gives the reason instead.
/// </summary>
internal static class DumpSummaries
{
    public static DumpSummary Read(SavedDump dump)
    {
        var (report, crash, problem) = Triage(dump);
        return report is null
            ? new DumpSummary(null, null, null, null, null, null, problem)
            : new DumpSummary(report.CrashTime, crash, report.Release, report.PanicReason, report.Signature,
                JsonSerializer.Serialize(report, AnalysisJsonContext.CreateReadable().TriageJson),
                report.Missing.Count > 0 ? "triage missed " + string.Join("; ", report.Missing) : null);
    }

    /// <summary>The most a triage JSON beside a dump may hold.</summary>
    private const long MaxTriageBytes = 4 << 20;

    /// <summary>
    /// The triage report of the dump's file; for a dump that cannot be read here (on an ssh server,
    /// encrypted, damaged) the one the capture wrote beside it (nkdump-triage.json); else null and why not.
    /// </summary>
    public static (TriageJson? Report, DateTimeOffset? CrashTime, string? Problem) Triage(SavedDump dump)
    {
        string? problem = null;
        if (dump.Remote)
        {
            problem = $"on the server, with no {DumpSmallFiles.Triage} beside it (saved by another tool, or it could not be fetched)";
        }
        else if (dump.Encrypted)
        {
            problem = $"encrypted (age): read it with nkdump triage --identity FILE {dump.DumpFile}";
        }
        else if (dump.DumpFile is null || dump.Format is null)
        {
            problem = "no readable dump file";
        }
        else
        {
            try
            {
                using var session = KernelSession.Open(dump.DumpFile);
                return (TriageReport.Build(session), session.CrashTime, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NkdumpException)
            {
                problem = e.Message;
            }
        }

        return dump.TriageFile is { } file && File.Exists(file) ? FromFile(file, problem) : (null, null, problem);
    }

    /// <summary>The triage JSON the capture wrote beside the dump; its crash time as triage printed it.</summary>
    private static (TriageJson? Report, DateTimeOffset? CrashTime, string? Problem) FromFile(string file, string? unreadable)
    {
        try
        {
            var report = JsonSerializer.Deserialize(InputFile.ReadAllText(file, MaxTriageBytes, file), AnalysisJsonContext.CreateReadable().TriageJson);
            // Every list present: the file came from a crashed machine's capture and is checked like any input.
            if (report is null || string.IsNullOrEmpty(report.Signature) || report.TaintFlags is null || report.CallTrace is null
                || report.Frames is null || report.Modules is null || report.Missing is null)
            {
                return (null, null, $"{file}: not a triage report");
            }

            DateTimeOffset? crash = DateTimeOffset.TryParse(report.CrashTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
            return (report, crash, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NkdumpException)
        {
            return (null, null, $"{unreadable ?? "the dump"}; {Path.GetFileName(file)} beside it cannot be read either: {e.Message}");
        }
    }
}
