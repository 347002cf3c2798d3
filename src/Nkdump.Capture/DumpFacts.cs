using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Writing;
using Nkdump.Kernel;
using Nkdump.Kernel.Printk;

namespace Nkdump.Capture;

/// <summary>
/// What the capture learns from /proc/vmcore before writing: the crashed kernel's log (the text of
/// vmcore-dmesg.txt) and bounds on the dump's size for the free-space check.
/// </summary>
/// <param name="Dmesg">The log in makedumpfile --dump-dmesg's text, or null when it could not be read.</param>
/// <param name="DmesgProblem">Why the log is missing or partial, or null.</param>
/// <param name="MinimumBytes">What even a dump of nothing but headers needs: the log, the header blocks and both bitmaps (their windows that hold memory: the rest are holes).</param>
/// <param name="RamBytes">All the crashed machine's RAM: the dump's size before filtering and compression.</param>
internal sealed record DumpFacts(string? Dmesg, string? DmesgProblem, long MinimumBytes, long RamBytes)
{
    /// <summary>Room for the kdump header, sub-header, VMCOREINFO and notes (a few blocks in practice).</summary>
    private const long HeaderAllowance = 64 * 1024;

    /// <summary>The facts of a dump the caller opened (the capture opens /proc/vmcore once, for this and the collector).</summary>
    public static DumpFacts Read(IKernelDump dump)
    {
        string? dmesg = null, problem = null;
        try
        {
            var kernel = KernelSession.For(dump);
            (dmesg, problem) = LogText(kernel.Log, kernel.LogProblem);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            problem = e.Message;
        }

        var memory = dump.Memory;
        ulong pages = 0;
        foreach (var range in memory.Ranges)
        {
            pages += range.Count;
        }

        // The bitmaps' windows without memory are holes: a high max_pfn (memory at 2^48) costs no disk.
        var bitmapBytes = KdumpWriter.BitmapBytesOnDisk(memory.Ranges, memory.MaxPfn);
        var dmesgBytes = dmesg is null ? 0 : Encoding.UTF8.GetByteCount(dmesg);
        return new DumpFacts(dmesg, problem, dmesgBytes + HeaderAllowance + bitmapBytes, (long)Math.Min(pages * (ulong)memory.PageSize, long.MaxValue));
    }

    /// <summary>
    /// The text of vmcore-dmesg.txt and why it is missing or partial, from the kernel session's log
    /// (<paramref name="log"/>, or null and <paramref name="logProblem"/>). A log of which not one
    /// record could be read (its descriptor ring unreadable, say) counts as no log: an empty
    /// vmcore-dmesg.txt would say the kernel printed nothing, and "partial" would understate it.
    /// </summary>
    internal static (string? Dmesg, string? Problem) LogText(KernelLog? log, string? logProblem)
    {
        if (log is null)
        {
            return (null, logProblem);
        }

        var problem = log.Problems.Count > 0 ? string.Join("; ", log.Problems) : null;
        if (log.Records.Count == 0 && problem is not null)
        {
            return (null, $"no record of the log could be read: {problem}");
        }

        return (DmesgTextFormatter.Format(log.Records, caller: false), problem);
    }
}
