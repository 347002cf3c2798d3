using Nkdump.Config.Crashkernel;

namespace Nkdump.Setup.Estimate;

/// <summary>One line of the estimate: a name and its bytes.</summary>
public sealed record EstimatePart(string Name, ulong Bytes);

/// <summary>The estimate and what it is made of.</summary>
public sealed record CrashkernelEstimate(IReadOnlyList<EstimatePart> Parts, ulong Estimated, ulong DefaultForRam, ulong Recommended);

/// <summary>
/// How much the capture kernel needs, in kdumpctl's spirit (do_estimate: kernel + initramfs × 3 +
/// runtime): the kernel's init_size, the capture initramfs three times (the compressed image in the
/// reservation, its unpacked copy in the rootfs tmpfs, and slack while unpacking), the kernel's own
/// run-time allocations, and the collector's working memory.
/// </summary>
public static class CrashkernelEstimator
{
    /// <summary>x86_64 default of kdump-utils (kdump-lib.sh, kdump_get_arch_recommend_crashkernel).</summary>
    public const string DefaultX86_64 = "2G-64G:256M,64G-:512M";

    /// <summary>The capture kernel's page tables, slab and driver allocations; kdumpctl uses 16 MiB.</summary>
    public const ulong KernelRuntime = 16UL << 20;

    /// <summary>
    /// The collector's peak memory: page-descriptor batches, compression buffers and the bitmaps
    /// for a large machine. A provisional constant: the end-to-end issue measures it in the capture
    /// kernel and replaces it.
    /// </summary>
    public const ulong CollectorNeed = 64UL << 20;

    /// <summary>
    /// What each capture CPU beyond the first costs (capture_cpus): the kernel's per-CPU areas and
    /// idle/kthread stacks, plus the collector's worker buffers. MEASURED_NOTE
    /// </summary>
    public const ulong ExtraCpuNeed = 24UL << 20;

    /// <param name="captureCpus">CPUs the capture kernel boots with; each beyond one adds <see cref="ExtraCpuNeed"/>.</param>
    public static CrashkernelEstimate Estimate(ulong kernelNeed, ulong initramfsBytes, ulong moduleBytes, ulong systemRam, int captureCpus = 1)
    {
        var parts = new List<EstimatePart>
        {
            new("kernel image (init_size)", kernelNeed),
            new("capture initramfs x3", initramfsBytes * 3),
            new("kernel modules", moduleBytes),
            new("kernel run time", KernelRuntime),
            new("collector", CollectorNeed),
        };
        if (captureCpus > 1)
        {
            parts.Add(new($"{captureCpus - 1} extra capture CPU(s)", (ulong)(captureCpus - 1) * ExtraCpuNeed));
        }

        var estimated = parts.Aggregate(0UL, (sum, p) => sum + p.Bytes);
        var defaultSize = CrashkernelReservation.Evaluate(CrashkernelParser.ParseAll(DefaultX86_64), systemRam).Total;
        return new CrashkernelEstimate(parts, estimated, defaultSize, Math.Max(estimated, defaultSize));
    }
}
