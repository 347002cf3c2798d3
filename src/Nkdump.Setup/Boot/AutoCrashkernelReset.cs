using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Estimate;

namespace Nkdump.Setup.Boot;

/// <summary>What <see cref="AutoCrashkernelReset"/> decided.</summary>
public enum AutoResetOutcome
{
    /// <summary>auto_reset_crashkernel no.</summary>
    Disabled,

    /// <summary>No boot configuration, or no crashkernel= in it.</summary>
    NothingToJudge,

    /// <summary>Every crashkernel= is the current default.</summary>
    Current,

    /// <summary>A value the user chose: never touched.</summary>
    UserChosen,

    /// <summary>An older default was replaced by the current one (effective at the next boot).</summary>
    Reset,
}

/// <summary>
/// kdump.conf's <c>auto_reset_crashkernel yes</c>, with kdump-utils' meaning (kdumpctl
/// reset_crashkernel_after_update, run when kdump-utils is updated): a crashkernel= that is an
/// older default of the kdump tools, or RHEL 8's <c>auto</c> (which upstream kernels do not parse,
/// so it reserves nothing), is replaced by the current default; a value the user chose is never
/// touched. nkdump checks at `install` (its update) and `start`. The new value takes effect at the
/// next boot.
/// </summary>
public static class AutoCrashkernelReset
{
    /// <summary>
    /// Earlier x86_64 defaults: kdump-utils' crashkernel.default until commit 34d27c4 (2021-11), its
    /// kdump_get_arch_recommend_crashkernel until fe18f93 (2025-03), and RHEL 8's <c>auto</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> OlderDefaults =
        ["auto", "1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M", "1G-4G:192M,4G-64G:256M,64G-:512M"];

    public static AutoResetOutcome Apply(HostRoot root, KdumpConfig config, CommandRunner? runner, TextWriter log)
    {
        if (!config.AutoResetCrashkernel)
        {
            return AutoResetOutcome.Disabled;
        }

        IReadOnlyList<(string Where, string Value)> current;
        try
        {
            current = BootConfiguration.Current(root);
        }
        catch (NkdumpException)
        {
            return AutoResetOutcome.NothingToJudge; // no boot configuration nkdump knows
        }

        if (current.Count == 0)
        {
            return AutoResetOutcome.NothingToJudge;
        }

        var target = CrashkernelEstimator.DefaultFor(root);
        var chosen = current.Where(c => c.Value != target && !OlderDefaults.Contains(c.Value)).ToList();
        var old = current.Where(c => OlderDefaults.Contains(c.Value)).ToList();
        if (chosen.Count > 0)
        {
            if (old.Count > 0)
            {
                log.WriteLine($"auto_reset_crashkernel: {string.Join(", ", chosen.Select(c => $"crashkernel={c.Value} in {c.Where}"))} was chosen by hand: crashkernel= is left as it is everywhere");
            }

            return AutoResetOutcome.UserChosen;
        }

        if (old.Count == 0)
        {
            return AutoResetOutcome.Current;
        }

        var result = new CrashkernelReset(root, runner).Run(target, dryRun: false);
        var was = string.Join(", ", old.Select(c => c.Value).Distinct());
        log.WriteLine($"auto_reset_crashkernel: crashkernel={was} is an older default; set to crashkernel={target}"
            + (result.ChangedFiles is { Count: > 0 } files ? $" in {string.Join(", ", files)}" : "")
            + ". It takes effect at the next boot. To manage crashkernel= yourself, set 'auto_reset_crashkernel no' in kdump.conf.");
        foreach (var note in result.Notes)
        {
            log.WriteLine($"auto_reset_crashkernel: {note}");
        }

        return AutoResetOutcome.Reset;
    }
}
