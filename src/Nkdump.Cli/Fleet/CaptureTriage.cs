using System.Globalization;
using System.Text.Json;
using Nkdump.Analysis.Commands;
using Nkdump.Analysis.Triage;
using Nkdump.Capture.S3;
using Nkdump.Kernel;

namespace Nkdump.Cli.Fleet;

/// <summary>
/// The triage an s3 upload's crash.json carries, made in the capture kernel from /proc/vmcore with the
/// same code as `nkdump triage` (so a fleet groups by the signature triage prints on any host).
/// </summary>
internal static class CaptureTriage
{
    public static CrashReport Report(string vmcore)
    {
        using var session = KernelSession.Open(vmcore);
        var report = TriageReport.Build(session);
        var json = JsonSerializer.Serialize(report, AnalysisJsonContext.CreateReadable().TriageJson);
        var crashTime = session.CrashTime?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new CrashReport(report.Signature, report.PanicReason, report.Release, session.Utsname?.NodeName, crashTime, json);
    }
}
