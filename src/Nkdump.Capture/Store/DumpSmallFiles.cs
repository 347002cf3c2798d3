using Nkdump.Capture.Targets;

namespace Nkdump.Capture.Store;

/// <summary>
/// The small files the capture writes beside every dump, on every target: what the host's boot
/// report, list and show read of a dump on an ssh or NFS target instead of the dump itself (the
/// crash's triage JSON, the crashed kernel's log, the capture kernel's log, what went wrong).
/// </summary>
public static class DumpSmallFiles
{
    /// <summary>The crash's triage report as `nkdump triage --json` prints it: signature, panic reason, release, crash time.</summary>
    public const string Triage = "nkdump-triage.json";

    /// <summary>The most a small file may hold when fetched from a server (a kernel log is a few MiB at most).</summary>
    public const long MaxBytes = 16 << 20;

    /// <summary>True for a file of a dump directory worth fetching to the host: the triage JSON and the logs, never the dump.</summary>
    public static bool IsSmall(string name) =>
        name is Triage or Triage + DumpEncryption.Suffix or DirectoryDump.DmesgFile or DirectoryDump.DmesgFile + DumpEncryption.Suffix
            or DirectoryDump.CaptureKernelLog or CaptureLog.IncidentsFile
        || (name.StartsWith("dmesg.", StringComparison.Ordinal) && !name.Contains('/'));
}
