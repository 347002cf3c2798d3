using System.Globalization;
using System.Text;
using System.Text.Json;
using Nkdump.Capture.S3;
using Nkdump.Config;
using Nkdump.Formats;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Uploads a dump to an S3-compatible store (<see cref="FleetObjects"/> says which objects, in which
/// order): the log and crash.json first, since they are small and tell most of the story even when the
/// dump never arrives; then the flattened dump as a multipart upload fed by the collector (one part in
/// memory; aborted when the collector or the store fails); then the marker. Credentials come from the
/// file the initramfs carries and never reach a message.
/// </summary>
public sealed class S3Dump(CaptureLog log, S3Client client, string prefix, Func<string, CrashReport>? reporter)
{
    /// <summary>The key prefix of the crash's objects once <see cref="Write"/> chose it (PREFIX/HOST-TIME/).</summary>
    public string? Directory { get; private set; }

    /// <summary>
    /// Uploads <paramref name="vmcore"/>'s crash as <paramref name="host"/>'s (the crashed kernel's node
    /// name is used instead when triage reads one); false after a logged failure.
    /// </summary>
    internal bool Write(string host, DateTime started, IKernelDump vmcore, DumpFacts facts, CoreCollector collector, long sizeBound)
    {
        CrashReport? report = null;
        OptionalPart.Run(log, "triage of the crashed kernel", () => report = reporter?.Invoke(vmcore.Path));
        var hostName = SafeHost(report?.NodeName) ?? host;
        var name = DumpDirectoryName.For(hostName, started);
        Directory = prefix + name + "/";
        log.Info($"uploading to {client.Location.Endpoint} bucket {client.Location.Bucket} as {Directory}");

        OptionalPart.Run(log, $"uploading {FleetObjects.Dmesg}", () =>
        {
            if (facts.Dmesg is null)
            {
                throw new CaptureFailedException($"no log: {facts.DmesgProblem}");
            }

            client.PutObject(Directory + FleetObjects.Dmesg, Encoding.UTF8.GetBytes(facts.Dmesg), "text/plain; charset=utf-8");
        });
        OptionalPart.Run(log, $"uploading {FleetObjects.Crash}", () => client.PutObject(Directory + FleetObjects.Crash, CrashJson(report, hostName), "application/json"));

        var upload = new S3UploadStream(client, Directory + FleetObjects.Vmcore, S3UploadStream.PartSizeFor(sizeBound));
        log.Info($"uploading vmcore (flattened) in parts of {upload.PartSize >> 20} MiB");
        string sha256;
        Collector.CollectOutcome outcome;
        try
        {
            outcome = CoreCollectorRun.ToStream(collector, vmcore, vmcoreInfo: null, () => upload, log.Console);
            sha256 = upload.Complete();
        }
        catch (Exception e)
        {
            // Whatever stopped the collector or the store: the parts must not stay behind as if a dump.
            var abortProblem = upload.Abort();
            log.Error($"uploading vmcore failed after {upload.Written} bytes: {e.Message}; the upload was {(abortProblem is null ? "aborted" : "not aborted (" + abortProblem + ")")}, no dump is marked complete");
            return false;
        }

        var marker = new CompleteRecord(FleetObjects.Vmcore, upload.Written, sha256, Math.Max(1, upload.PartsUploaded), upload.PartSize,
            DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), outcome.StoppedBy);
        try
        {
            client.PutObject(Directory + FleetObjects.Complete, JsonSerializer.SerializeToUtf8Bytes(marker, FleetJsonContext.Default.CompleteRecord), "application/json");
        }
        catch (S3Exception e)
        {
            log.Error($"the dump was uploaded but its marker {FleetObjects.Complete} was not: {e.Message}; it is not listed as complete");
            return false;
        }

        log.Info($"uploading vmcore complete: {upload.Written} bytes, sha256 {sha256}");
        return true;
    }

    /// <summary>Writes a note (nkdump-errors.txt) beside the crash's objects.</summary>
    public void WriteNote(string name, byte[] bytes)
    {
        if (Directory is null)
        {
            throw new CaptureFailedException($"cannot write {name}: no upload was started");
        }

        client.PutObject(Directory + name, bytes, "text/plain; charset=utf-8");
    }

    /// <summary>crash.json; without a triage report the signature is "unknown" and the host the address.</summary>
    private static byte[] CrashJson(CrashReport? report, string host)
    {
        JsonElement? triage = null;
        if (report is not null)
        {
            using var document = JsonDocument.Parse(report.TriageJson);
            triage = document.RootElement.Clone();
        }

        var record = new CrashRecord(host, report?.Signature ?? "unknown", report?.Panic, report?.Kernel, report?.CrashTime,
            DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), triage);
        return JsonSerializer.SerializeToUtf8Bytes(record, FleetJsonContext.Default.CrashRecord);
    }

    /// <summary>A node name usable in a key (no '/', not '.' or '..', printable ASCII), or null; "(none)" is the kernel's unset name.</summary>
    private static string? SafeHost(string? nodeName) =>
        string.IsNullOrWhiteSpace(nodeName) || nodeName is "." or ".." or "(none)" || nodeName.Any(c => c is '/' or ' ' or < '!' or > '~') ? null : nodeName;
}
