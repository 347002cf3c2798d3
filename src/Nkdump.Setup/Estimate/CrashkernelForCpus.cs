using Nkdump.Config.Crashkernel;

namespace Nkdump.Setup.Estimate;

/// <summary>
/// A crashkernel= value grown for <c>capture_cpus N</c>: every size that reserves memory for the
/// capture kernel gets <see cref="CrashkernelEstimator.ExtraCpusNeed"/>(N) more, so that
/// `crashkernel get-default` and `reset` account for the extra CPUs (issue 18). The ,low part (DMA
/// memory below 4 GiB) and ,cma are left as they are.
/// </summary>
public static class CrashkernelForCpus
{
    /// <summary>The value for <paramref name="captureCpus"/> capture CPUs; one CPU gives <paramref name="expression"/> unchanged.</summary>
    public static string Grow(string expression, int captureCpus)
    {
        if (captureCpus <= 1)
        {
            return expression;
        }

        var extra = CrashkernelEstimator.ExtraCpusNeed(captureCpus);
        return string.Join(' ', CrashkernelParser.ParseAll(expression).Select(p => Format(p, extra)));
    }

    private static string Format(CrashkernelParameter p, ulong extra)
    {
        var offset = p.Offset is { } o ? "@" + MemorySize.Format(o) : "";
        return p.Form switch
        {
            CrashkernelForm.Simple => MemorySize.Format(p.Size + extra) + offset,
            CrashkernelForm.High => MemorySize.Format(p.Size + extra) + ",high",
            CrashkernelForm.Ranges => string.Join(',', p.Ranges.Select(r =>
                $"{MemorySize.Format(r.Start)}-{(r.End is { } end ? MemorySize.Format(end) : "")}:{MemorySize.Format(r.Size == 0 ? 0 : r.Size + extra)}")) + offset,
            _ => p.Text,
        };
    }
}
