namespace Nkdump.Kernel.Printk;

/// <summary>
/// One record of the kernel log, whichever buffer it came from. <see cref="Text"/> holds the
/// kernel's bytes exactly (continuation lines already merged by printk; embedded newlines kept).
/// </summary>
public sealed record PrintkRecord
{
    /// <summary>The record's sequence number (printk_info.seq); null for log_buf records, which do not store it.</summary>
    public ulong? Sequence { get; init; }

    /// <summary>Time since boot in nanoseconds (local_clock() when the record was stored).</summary>
    public required ulong TimestampNs { get; init; }

    /// <summary>Log level 0 (KERN_EMERG) to 7 (KERN_DEBUG).</summary>
    public required int Level { get; init; }

    /// <summary>syslog facility (0 = kernel, 1 = user space through /dev/kmsg, ...).</summary>
    public required int Facility { get; init; }

    /// <summary>LOG_NEWLINE, LOG_CONT... bits (printk_info.flags, 5 bits).</summary>
    public int Flags { get; init; }

    /// <summary>CONFIG_PRINTK_CALLER: bit 31 set for a CPU id (not in task context), else a thread id.</summary>
    public uint? CallerId { get; init; }

    public required byte[] Text { get; init; }

    /// <summary>dev_printk's SUBSYSTEM, when the record came from a device driver.</summary>
    public string? Subsystem { get; init; }

    /// <summary>dev_printk's DEVICE ("b8:0", "n2", "+pci:0000:00:1f.2"...).</summary>
    public string? Device { get; init; }

    /// <summary>The caller id as the kernel prints it: "T123" for a task, "C1" for a CPU.</summary>
    public string? Caller => CallerId is { } id ? ((id & 0x80000000) != 0 ? $"C{id & 0x7fffffff}" : $"T{id}") : null;
}

/// <summary>Which log buffer a kernel had.</summary>
public enum KernelLogFormat
{
    /// <summary>The lockless ring buffer (prb), 5.10+.</summary>
    LocklessRingBuffer,

    /// <summary>The structured variable-length log_buf records, 3.5 to 5.9.</summary>
    StructuredLogBuf,
}

/// <summary>
/// The kernel log read from a dump: the records that could be read, in order, and what could not
/// be read (each problem names the structure, address and page state). Records before and after
/// an unreadable part are still here.
/// </summary>
public sealed record KernelLog(KernelLogFormat Format, IReadOnlyList<PrintkRecord> Records, IReadOnlyList<string> Problems)
{
    public bool IsComplete => Problems.Count == 0;
}
