using Nkdump.Config;
using Nkdump.Config.Crashkernel;
using Nkdump.Setup.Estimate;

namespace Nkdump.Setup.Kexec;

/// <summary>How many CPUs the capture kernel boots with (nr_cpus=), and why.</summary>
public sealed record CaptureCpuChoice(int Count, string Reason)
{
    /// <summary>
    /// capture_cpus N as written, or for <c>capture_cpus auto</c>: the most CPUs whose
    /// <see cref="CrashkernelEstimator.ExtraCpusNeed"/> the reservation holds beyond the capture's
    /// one-CPU estimate, at most the CPUs online and <see cref="KdumpConfig.MaxCaptureCpus"/>. A
    /// reservation below the estimate gets one CPU, as kdump-utils always gives.
    /// </summary>
    /// <param name="reserved">/sys/kernel/kexec_crash_size.</param>
    /// <param name="oneCpuNeed">The estimate with one capture CPU (<see cref="CrashkernelEstimator.Estimate"/>).</param>
    /// <param name="onlineCpus">The running machine's online CPUs; null when unknown (then one CPU).</param>
    public static CaptureCpuChoice For(KdumpConfig config, ulong reserved, ulong oneCpuNeed, int? onlineCpus)
    {
        if (!config.CaptureCpusAuto)
        {
            return new CaptureCpuChoice(config.CaptureCpus, config.CaptureCpus == 1 ? "the default, as kdump-utils" : "capture_cpus");
        }

        var room = reserved > oneCpuNeed ? reserved - oneCpuNeed : 0;
        var limit = Math.Max(Math.Min(onlineCpus ?? 1, KdumpConfig.MaxCaptureCpus), 1);
        var count = 1;
        while (count < limit && CrashkernelEstimator.ExtraCpusNeed(count + 1) <= room)
        {
            count++;
        }

        var why = $"capture_cpus auto: {MemorySize.Human(reserved)} reserved, {MemorySize.Human(oneCpuNeed)} needed with one CPU, "
            + $"{MemorySize.Human(CrashkernelEstimator.ThreadedCollectorNeed)} for threads and {MemorySize.Human(CrashkernelEstimator.ExtraCpuNeed)} per extra CPU, {(onlineCpus is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "an unknown number of")} CPU(s) online";
        return new CaptureCpuChoice(count, why);
    }
}
