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

    public static CrashkernelEstimate Estimate(ulong kernelNeed, ulong initramfsBytes, ulong moduleBytes, ulong systemRam, string defaultExpression = DefaultX86_64)
    {
        var parts = new List<EstimatePart>
        {
            new("kernel image (init_size)", kernelNeed),
            new("capture initramfs x3", initramfsBytes * 3),
            new("kernel modules", moduleBytes),
            new("kernel run time", KernelRuntime),
            new("collector", CollectorNeed),
        };
        var estimated = parts.Aggregate(0UL, (sum, p) => sum + p.Bytes);
        var defaultSize = CrashkernelReservation.Evaluate(CrashkernelParser.ParseAll(defaultExpression), systemRam).Total;
        return new CrashkernelEstimate(parts, estimated, defaultSize, Math.Max(estimated, defaultSize));
    }
}
