namespace Nkdump.Kernel.Crash;

/// <summary>Builds a <see cref="CrashSummary"/> from a kernel session's facts and log.</summary>
public static class CrashSummaryReader
{
    /// <summary>
    /// The summary, with what could not be worked out listed in its problems. Fails
    /// (<see cref="Formats.NkdumpException"/>) only when the kernel's address space cannot be set up.
    /// </summary>
    public static CrashSummary Read(KernelSession session)
    {
        var kernel = session.Kernel;
        var info = kernel.VmcoreInfo;
        var problems = new List<string>();
        var records = session.Log?.Records ?? [];

        var uts = session.Utsname;
        if (uts is null)
        {
            problems.Add(session.UtsnameProblem!);
        }

        var reason = PanicReason.Find(records);
        var panicLine = PanicReason.FindPanicLine(records);
        var cause = PanicReason.FindCause(records);
        var taint = session.TaintMask;
        if (taint is null)
        {
            problems.Add(session.TaintProblem!);
        }

        if (session.CrashingCpuProblem is { } cpuProblem)
        {
            problems.Add(cpuProblem);
        }

        var physical = kernel.Physical;
        return new CrashSummary
        {
            SysName = uts?.SysName,
            NodeName = uts?.NodeName,
            Release = session.Release,
            Version = uts?.Version,
            Machine = uts?.Machine,
            CrashTime = session.CrashTime,
            UptimeNs = reason?.TimestampNs ?? (records.Count > 0 ? records[^1].TimestampNs : null),
            PanicReason = reason is null ? null : PanicReason.FirstLine(reason),
            PanicLine = panicLine is not null && panicLine != reason ? PanicReason.FirstLine(panicLine) : null,
            Cause = cause is null ? null : PanicReason.FirstLine(cause),
            TaintMask = taint,
            TaintLetters = taint is { } mask ? session.TaintFlags.Letters(mask) : null,
            TaintMeanings = taint is { } bits ? session.TaintFlags.Meanings(bits) : [],
            TaintFromLog = PanicCpuLine.Find(records)?.Taint,
            Cpu = session.CrashingCpu,
            MemoryBytes = physical.MaxPfn * (ulong)physical.PageSize,
            DumpedBytes = physical.Ranges.Aggregate(0UL, (sum, r) => sum + (r.Count * (ulong)physical.PageSize)),
            KaslrOffset = kernel.Layout.KernelOffset,
            BuildId = info.BuildId,
            Problems = problems,
        };
    }
}
