namespace Nkdump.Config.Crashkernel;

/// <summary>
/// What a set of crashkernel= parameters reserves on a machine with a given amount of RAM, with
/// the kernel's semantics (parse_crashkernel and reserve_crashkernel_generic in
/// kernel/crash_reserve.c; x86_64's default low size in arch/x86/include/asm/crash_reserve.h).
/// </summary>
public sealed record CrashkernelReservation(ulong Size, ulong LowSize, ulong? Offset, bool High, string? Note)
{
    /// <summary>x86_64: max(swiotlb default 64 MiB + 8 MiB, 256 MiB) below 4 GiB goes with ",high".</summary>
    public const ulong DefaultLowSize = 256UL << 20;

    /// <summary>Everything reserved: the main region and the low one.</summary>
    public ulong Total => Size + LowSize;

    private static CrashkernelReservation None(string note) => new(0, 0, null, false, note);

    /// <summary>Evaluates parsed parameters for <paramref name="systemRam"/> bytes of RAM.</summary>
    public static CrashkernelReservation Evaluate(IReadOnlyList<CrashkernelParameter> parameters, ulong systemRam)
    {
        // get_last_crashkernel: the last parameter without a suffix wins; ,high/,low only count without one.
        var plain = parameters.LastOrDefault(p => p.Form is CrashkernelForm.Simple or CrashkernelForm.Ranges or CrashkernelForm.Auto);
        if (plain is not null)
        {
            var (size, note) = plain.Form switch
            {
                CrashkernelForm.Auto => (0UL, "'auto' is a RHEL 7/8 kernel extension; upstream kernels reserve nothing for it (run 'nkdump crashkernel reset')"),
                CrashkernelForm.Simple => (plain.Size, null),
                _ => MatchRange(plain, systemRam),
            };
            if (size == 0)
            {
                return None(note ?? "the size is zero");
            }

            if (size >= systemRam)
            {
                return None($"{MemorySize.Format(size)} is not below the RAM size {MemorySize.Format(systemRam)}: the kernel refuses it");
            }

            return new CrashkernelReservation(size, 0, plain.Offset, false, null);
        }

        var high = parameters.LastOrDefault(p => p.Form == CrashkernelForm.High);
        if (high is null)
        {
            return None(parameters.Any(p => p.Form == CrashkernelForm.Low)
                ? "',low' alone reserves nothing: it only goes with ',high'"
                : "no crashkernel size given");
        }

        if (high.Size == 0)
        {
            return None("',high' with size zero is refused by the kernel");
        }

        if (high.Size >= systemRam)
        {
            return None($"{MemorySize.Format(high.Size)} is not below the RAM size {MemorySize.Format(systemRam)}: the kernel refuses it");
        }

        var low = parameters.LastOrDefault(p => p.Form == CrashkernelForm.Low)?.Size ?? DefaultLowSize;
        return new CrashkernelReservation(high.Size, low, null, true, null);
    }

    /// <summary>parse_crashkernel_mem: RAM rounded up to 128 MiB, the first range holding it wins.</summary>
    private static (ulong Size, string? Note) MatchRange(CrashkernelParameter parameter, ulong systemRam)
    {
        // The kernel rounds up because firmware keeps some RAM for itself, so a "4G" machine that
        // reports a little less still falls in a range starting at 4G.
        const ulong Round = 128UL << 20;
        var total = systemRam > ulong.MaxValue - Round ? ulong.MaxValue : (systemRam + Round - 1) / Round * Round;
        foreach (var range in parameter.Ranges)
        {
            if (range.Size >= total)
            {
                return (0, $"range size {MemorySize.Format(range.Size)} is not below the RAM size: the kernel rejects the whole expression");
            }

            if (total >= range.Start && (range.End is null || total < range.End))
            {
                return (range.Size, null);
            }
        }

        return (0, $"no range covers {MemorySize.Format(total)} of RAM (rounded up to 128M)");
    }
}
