using System.Text.Json;
using Nkdump.Analysis.Commands;
using Nkdump.Analysis.Triage;
using Nkdump.Capture.Store;
using Nkdump.Formats;
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

    /// <summary>The triage report of the dump's file, or null and why not.</summary>
    public static (TriageJson? Report, DateTimeOffset? CrashTime, string? Problem) Triage(SavedDump dump)
    {
        if (dump.Encrypted)
        {
            return (null, null, $"encrypted (age): read it with nkdump triage --identity FILE {dump.DumpFile}");
        }

        if (dump.DumpFile is null || dump.Format is null)
        {
            return (null, null, "no readable dump file");
        }

        try
        {
            using var session = KernelSession.Open(dump.DumpFile);
            return (TriageReport.Build(session), session.CrashTime, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NkdumpException)
        {
            return (null, null, e.Message);
        }
    }
}
