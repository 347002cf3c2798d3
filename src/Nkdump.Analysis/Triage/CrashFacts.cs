using Nkdump.Kernel.Crash;
using Nkdump.Kernel.Printk;

namespace Nkdump.Analysis.Triage;

/// <summary>How the crash's facts read in answers: the panic line, the taint letters. The facts themselves are the kernel session's.</summary>
internal static class CrashFacts
{
    /// <summary>
    /// The panic reason: the record the kernel layer's <see cref="PanicReason"/> says started the
    /// crash (the Oops/BUG before a "Fatal exception" panic, else the panic line), first line only,
    /// with the "Kernel panic - not syncing: " prefix removed.
    /// </summary>
    public static string? PanicReasonText(KernelLog? log)
    {
        if (log is null || PanicReason.Find(log.Records) is not { } record)
        {
            return null;
        }

        var line = PanicReason.FirstLine(record).TrimEnd();
        return line.StartsWith(PanicReason.PanicMarker, StringComparison.Ordinal) ? line[PanicReason.PanicMarker.Length..].Trim() : line;
    }

    /// <summary>The report that led to the panic line (a task blocked too long, the OOM killer), first line only, or null.</summary>
    public static string? CauseText(KernelLog? log) =>
        log is not null && PanicReason.FindCause(log.Records) is { } record ? PanicReason.FirstLine(record).TrimEnd() : null;

    /// <summary>A crash time as answers print it ("2026-11-26 07:12:20Z").</summary>
    public static string? CrashTimeText(DateTimeOffset? time) =>
        time?.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
}
