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
    /// <summary>
    /// The report from triage JSON made elsewhere: in the capture kernel by a child `nkdump triage
    /// --json` (CaptureCommands.TriageInChild), because save runs as init there and an init that runs
    /// out of memory panics the kernel, dump and all. The node name is not in the triage JSON: the
    /// crash is then filed under the capture's address.
    /// </summary>
    public static CrashReport FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new CrashReport(Text("signature") ?? "unknown", Text("panic_reason"), Text("release"), null, Text("crash_time"), json.Trim());
    }

    public static CrashReport Report(string vmcore)
    {
        using var session = KernelSession.Open(vmcore);
        var report = TriageReport.Build(session);
        var json = JsonSerializer.Serialize(report, AnalysisJsonContext.CreateReadable().TriageJson);
        var crashTime = session.CrashTime?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new CrashReport(report.Signature, report.PanicReason, report.Release, session.Utsname?.NodeName, crashTime, json);
    }
}
