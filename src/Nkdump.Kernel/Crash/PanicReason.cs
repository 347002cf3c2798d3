using System.Text;
using Nkdump.Kernel.Printk;

namespace Nkdump.Kernel.Crash;

/// <summary>
/// Finds the log line that started the crash. The last "Kernel panic - not syncing:" line is
/// where the kernel gave up; if an Oops, BUG, WARNING or fault report came shortly before it
/// (the usual "Fatal exception" panic, or panic_on_warn) that report is what started it. With a
/// crash kernel loaded an Oops can go straight to crash_kexec() without a panic line (oops_end()
/// in arch/x86/kernel/dumpstack.c), so without a panic line the last such report counts.
/// </summary>
public static class PanicReason
{
    /// <summary>How far back before the panic line a report still belongs to the same crash.</summary>
    public const ulong SameCrashWindowNs = 10_000_000_000;

    private const int MaxRecordsBack = 500;

    private static readonly string[] StartMarkers =
    [
        "BUG: ",
        "kernel BUG at ",
        "Oops: ",
        "general protection fault",
        "Unable to handle kernel",
        "divide error: ",
        "invalid opcode: ",
        "stack segment: ",
        "double fault: ",
        "watchdog: BUG: soft lockup",
        "Watchdog detected hard LOCKUP",
    ];

    public const string PanicMarker = "Kernel panic - not syncing:";

    /// <summary>
    /// Reports that explain a panic line without being the crash themselves: khungtaskd's report of a
    /// blocked task (kernel/hung_task.c, "INFO: task sh:126 blocked for more than 2 seconds.") and the
    /// OOM killer's invocation (mm/oom_kill.c, "tail invoked oom-killer: gfp_mask=…").
    /// </summary>
    private static readonly string[] CauseMarkers = [" blocked for more than ", " invoked oom-killer: "];

    /// <summary>The record that started the crash, or null when the log shows none.</summary>
    public static PrintkRecord? Find(IReadOnlyList<PrintkRecord> records)
    {
        var panic = -1;
        for (var i = records.Count - 1; i >= 0; i--)
        {
            if (FirstLine(records[i]).StartsWith(PanicMarker, StringComparison.Ordinal))
            {
                panic = i;
                break;
            }
        }

        var end = panic >= 0 ? panic : records.Count;
        if (panic < 0)
        {
            // No panic line: the crash is the last report in the log.
            for (end = records.Count - 1; end >= 0 && !IsStart(records[end]); end--)
            {
            }

            if (end < 0)
            {
                return null;
            }
        }

        // The earliest report shortly before it belongs to the same crash. A WARNING only starts a
        // crash when panic_on_warn turned it into one (the panic line says so).
        var anchor = records[end];
        var warningsCount = panic >= 0 && FirstLine(anchor).Contains("panic_on_warn", StringComparison.Ordinal);
        var start = end;
        for (var i = end - 1; i >= 0 && i >= end - MaxRecordsBack; i--)
        {
            if (anchor.TimestampNs - records[i].TimestampNs > SameCrashWindowNs || records[i].TimestampNs > anchor.TimestampNs)
            {
                break;
            }

            if (IsStart(records[i]) || (warningsCount && FirstLine(records[i]).StartsWith("WARNING: ", StringComparison.Ordinal)))
            {
                start = i;
            }
        }

        return records[start];
    }

    /// <summary>The kernel's last "Kernel panic - not syncing:" record, or null when the crash did not go through panic().</summary>
    public static PrintkRecord? FindPanicLine(IReadOnlyList<PrintkRecord> records)
    {
        for (var i = records.Count - 1; i >= 0; i--)
        {
            if (FirstLine(records[i]).StartsWith(PanicMarker, StringComparison.Ordinal))
            {
                return records[i];
            }
        }

        return null;
    }

    /// <summary>
    /// The report that led to the panic line when it is not a crash report itself (a hung task, the OOM
    /// killer's invocation): the first such record shortly before the panic line; null when there is none.
    /// </summary>
    public static PrintkRecord? FindCause(IReadOnlyList<PrintkRecord> records)
    {
        var panic = -1;
        for (var i = records.Count - 1; i >= 0 && panic < 0; i--)
        {
            if (FirstLine(records[i]).StartsWith(PanicMarker, StringComparison.Ordinal))
            {
                panic = i;
            }
        }

        PrintkRecord? cause = null;
        for (var i = panic - 1; i >= 0 && i >= panic - MaxRecordsBack; i--)
        {
            if (records[panic].TimestampNs - records[i].TimestampNs > SameCrashWindowNs || records[i].TimestampNs > records[panic].TimestampNs)
            {
                break;
            }

            var line = FirstLine(records[i]);
            if (CauseMarkers.Any(m => line.Contains(m, StringComparison.Ordinal)))
            {
                cause = records[i];
            }
        }

        return cause;
    }

    public static string FirstLine(PrintkRecord record)
    {
        var text = record.Text.AsSpan();
        var newline = text.IndexOf((byte)'\n');
        return Encoding.UTF8.GetString(newline >= 0 ? text[..newline] : text);
    }

    private static bool IsStart(PrintkRecord record)
    {
        var line = FirstLine(record);
        foreach (var marker in StartMarkers)
        {
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
