using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Boot;

/// <summary>What `crashkernel reset` did or would do.</summary>
public sealed record CrashkernelResetResult(
    bool Changed, string Diff, IReadOnlyList<string>? Regenerator, int? RegeneratorExit, IReadOnlyList<string> Notes,
    BootConfigurationKind Kind = BootConfigurationKind.Grub, IReadOnlyList<string>? ChangedFiles = null);

/// <summary>
/// kdumpctl reset-crashkernel: put crashkernel=VALUE where the root keeps the kernel command line
/// (<see cref="BootConfiguration"/>: /etc/default/grub.d/nkdump.cfg on Debian, /etc/default/grub, grubby's boot entries, systemd-boot's
/// /etc/kernel/cmdline and entries), each file written atomically with the old one kept as
/// FILE.nkdump-bak, then run the regenerator (update-grub, grub2-mkconfig, grubby). Nothing is
/// written or run when every place already says crashkernel=VALUE.
/// </summary>
public sealed class CrashkernelReset(HostRoot root, CommandRunner? runner)
{
    public const string GrubDefault = "/etc/default/grub";

    /// <param name="value">The crashkernel= value, e.g. "2G-64G:256M,64G-:512M".</param>
    /// <param name="dryRun">Only compute the diff; write and run nothing.</param>
    public CrashkernelResetResult Run(string value, bool dryRun)
    {
        var plan = BootConfiguration.Plan(root, value);
        var changedEdits = plan.Edits.Where(e => e.Changed).ToList();
        var diff = string.Concat(changedEdits.Select(e => TextDiff.Unified(e.Before, e.After, e.Path, e.Path)));
        var notes = new List<string>(plan.Notes);
        var dropIns = root.Resolve("/etc/default/grub.d");
        if (plan.Kind == BootConfigurationKind.Grub && Directory.Exists(dropIns))
        {
            foreach (var file in Directory.GetFiles(dropIns, "*.cfg").Order(StringComparer.Ordinal))
            {
                if (file != root.Resolve(GrubDropIn.Path) && InputFile.ReadAllText(file, InputLimits.SystemText, "a GRUB drop-in").Contains("crashkernel=", StringComparison.Ordinal))
                {
                    notes.Add(!GrubDropIn.Applies(root) ? $"{file} also sets crashkernel= and is read after {GrubDefault}; it was not changed"
                        : GrubDropIn.ReadBefore(Path.GetFileName(file))
                        ? $"{file} also sets crashkernel=; it was not changed: {GrubDropIn.Path} is read after it and takes that crashkernel= off the command line"
                        : $"{file} also sets crashkernel= and is read after {GrubDropIn.Path}, so its value is the one the kernel uses; it was not changed");
                }
            }
        }

        var regenerator = plan.Commands.Count > 0 ? plan.Commands[0] : null;
        var files = changedEdits.Select(e => e.Path).ToList();
        if (dryRun)
        {
            return new CrashkernelResetResult(plan.Changed, diff, regenerator, null, notes, plan.Kind, files);
        }

        if (!plan.Changed)
        {
            notes.Add($"crashkernel={value} is already set: nothing to do");
            return new CrashkernelResetResult(false, diff, regenerator, null, notes, plan.Kind, files);
        }

        foreach (var edit in changedEdits)
        {
            var real = root.Resolve(edit.Path);
            if (edit.ByNkdump)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(real)!);
                AtomicFile.WriteText(real, edit.After, backup: true);
            }
            else
            {
                // grubby rewrites this entry itself: keep the old one as nkdump does for its own edits.
                AtomicFile.WriteText(real + AtomicFile.BackupSuffix, edit.Before);
            }
        }

        int? exit = null;
        if (regenerator is null)
        {
            // Notes from the plan already say when a GRUB system has no regenerator.
        }
        else if (runner is null)
        {
            notes.Add($"not run (--no-regenerate, or a root prefix): {string.Join(' ', regenerator)}"
                + (plan.Kind == BootConfigurationKind.Grubby ? "; until it runs, the boot entries keep their old crashkernel=" : "; run it for the change to reach the boot menu"));
        }
        else
        {
            exit = runner(regenerator, TextWriter.Null);
            if (exit != 0)
            {
                var written = files.Where(f => changedEdits.First(e => e.Path == f).ByNkdump).ToList();
                throw new NkdumpException($"{string.Join(' ', regenerator)} failed with exit {exit}"
                    + (written.Count > 0 ? $"; {string.Join(", ", written)} updated (old copies beside them as *{AtomicFile.BackupSuffix})" : ""));
            }
        }

        return new CrashkernelResetResult(true, diff, regenerator, exit, notes, plan.Kind, files);
    }
}
