namespace Nkdump.Config.Crashkernel;

/// <summary>Which form of crashkernel= a parameter has (kernel/crash_reserve.c).</summary>
public enum CrashkernelForm
{
    /// <summary><c>SIZE[@OFFSET]</c>.</summary>
    Simple,

    /// <summary><c>START-[END]:SIZE[,START-[END]:SIZE…][@OFFSET]</c>: the size depends on the RAM.</summary>
    Ranges,

    /// <summary><c>SIZE,high</c>: may be placed above 4 GiB (with a low part, see <see cref="Low"/>).</summary>
    High,

    /// <summary><c>SIZE,low</c>: the part below 4 GiB that goes with <c>,high</c>.</summary>
    Low,

    /// <summary><c>SIZE,cma</c> (6.16+): extra CMA memory for the capture kernel, lent to the system meanwhile.</summary>
    Cma,

    /// <summary>The legacy <c>auto</c> of RHEL 7/8 kernels; upstream kernels never accepted it.</summary>
    Auto,
}

/// <summary>One range of the extended syntax: RAM in [Start, End) reserves Size. End is null for "START-".</summary>
public sealed record CrashkernelRange(ulong Start, ulong? End, ulong Size);

/// <summary>One parsed crashkernel= parameter.</summary>
public sealed record CrashkernelParameter(
    CrashkernelForm Form,
    ulong Size,
    ulong? Offset,
    IReadOnlyList<CrashkernelRange> Ranges,
    string Text);
