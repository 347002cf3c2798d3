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

    /// <summary>
    /// The default on Debian and its derivatives (where <c>reset</c> writes the GRUB drop-in):
    /// kdump-utils' from 2 GiB up, and 160M from 512 MiB, because Debian's kdump-tools reserves on
    /// small machines too (kdump-tools.cfg: Debian 12 crashkernel=384M-:128M, Debian 13 512M-:192M) and a
    /// machine moved from it should keep its dumps. 160M is what the end-to-end suite captures Debian's
    /// kernels with in 512 MiB guests (the smallest that worked: 108M on 6.1, 96M on 6.12); below
    /// 512 MiB the administrator decides (`nkdump crashkernel reset --size 128M`), and `nkdump status`
    /// says nothing is reserved.
    /// </summary>
    public const string DefaultDebian = "512M-2G:160M,2G-64G:256M,64G-:512M";

    /// <summary>The default <c>crashkernel reset</c> writes on <paramref name="root"/>: Debian's or kdump-utils'.</summary>
    public static string DefaultFor(HostRoot root) => Boot.GrubDropIn.Applies(root) ? DefaultDebian : DefaultX86_64;

    /// <summary>The capture kernel's page tables, slab and driver allocations; kdumpctl uses 16 MiB.</summary>
    public const ulong KernelRuntime = 16UL << 20;

    /// <summary>
    /// The collector's peak memory: page-descriptor batches, compression buffers and the bitmaps
    /// for a large machine. A provisional constant: the end-to-end issue measures it in the capture
    /// kernel and replaces it.
    /// </summary>
    public const ulong CollectorNeed = 64UL << 20;

    /// <summary>
    /// The collector's pipeline once it runs threads (more than one capture CPU): worker hand-off
    /// instead of the one inline 64-page chunk, whose 0.5 MiB the one-CPU collector need covers.
    /// </summary>
    public const ulong ThreadedCollectorNeed = 8UL << 20;

    /// <summary>
    /// Each capture CPU beyond the first: one collector worker's chunks (256 pages × 4 in flight ×
    /// input and output = 8 MiB when a large dump fills them all), and the kernel's per-CPU share
    /// (percpu area, idle and per-CPU kthreads, page lists: 0.25–0.35 MiB less "Memory: available"
    /// at boot per CPU on Debian 6.1 and 7.3, measured with nr_cpus=1 and 2) with the worker
    /// thread's stack, rounded up to 1 MiB. Measured in the e2e capture (issue 18): nkdump's VmHWM
    /// 12.9 MiB with one CPU, 18.3–18.8 MiB with two on a 512 MiB guest, whose small dump does not
    /// fill every chunk; these constants are the bound for a dump that does.
    /// </summary>
    public const ulong ExtraCpuNeed = 9UL << 20;

    /// <summary>What <paramref name="captureCpus"/> CPUs cost beyond the one-CPU estimate.</summary>
    public static ulong ExtraCpusNeed(int captureCpus) =>
        captureCpus <= 1 ? 0 : ThreadedCollectorNeed + ((ulong)(captureCpus - 1) * ExtraCpuNeed);

    /// <param name="captureCpus">CPUs the capture kernel boots with (<see cref="ExtraCpusNeed"/>).</param>
    public static CrashkernelEstimate Estimate(ulong kernelNeed, ulong initramfsBytes, ulong moduleBytes, ulong systemRam, string defaultExpression = DefaultX86_64, int captureCpus = 1)
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
            parts.Add(new($"{captureCpus - 1} extra capture CPU(s)", ExtraCpusNeed(captureCpus)));
        }

        var estimated = parts.Aggregate(0UL, (sum, p) => sum + p.Bytes);
        var defaultSize = CrashkernelReservation.Evaluate(CrashkernelParser.ParseAll(defaultExpression), systemRam).Total;
        return new CrashkernelEstimate(parts, estimated, defaultSize, Math.Max(estimated, defaultSize));
    }
}
