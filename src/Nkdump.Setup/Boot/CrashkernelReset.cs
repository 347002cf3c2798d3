using Nkdump.Formats;
using Nkdump.Setup.Files;

namespace Nkdump.Setup.Boot;

/// <summary>What `crashkernel reset` did or would do.</summary>
public sealed record CrashkernelResetResult(bool Changed, string Diff, IReadOnlyList<string>? Regenerator, int? RegeneratorExit, IReadOnlyList<string> Notes);

/// <summary>
/// kdumpctl reset-crashkernel for GRUB systems: put crashkernel=VALUE into ROOT/etc/default/grub
/// (atomically, the old file kept as .nkdump-bak), then run the boot loader's regenerator.
/// </summary>
public sealed class CrashkernelReset(HostRoot root, CommandRunner? runner)
{
    public const string GrubDefault = "/etc/default/grub";

    /// <param name="value">The crashkernel= value, e.g. "2G-64G:256M,64G-:512M".</param>
    /// <param name="dryRun">Only compute the diff; write and run nothing.</param>
    public CrashkernelResetResult Run(string value, bool dryRun)
    {
        var path = root.Resolve(GrubDefault);
        string before;
        try
        {
            before = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new NkdumpException($"{path} does not exist: only GRUB systems are supported by 'crashkernel reset'");
        }
        catch (DirectoryNotFoundException)
        {
            throw new NkdumpException($"{path} does not exist: only GRUB systems are supported by 'crashkernel reset'");
        }

        var after = GrubDefaultEditor.SetCrashkernel(before, value);
        var changed = !ReferenceEquals(after, before) && after != before;
        var diff = changed ? TextDiff.Unified(before, after, GrubDefault, GrubDefault) : "";
        var notes = new List<string>();
        var dropIns = root.Resolve("/etc/default/grub.d");
        if (Directory.Exists(dropIns))
        {
            foreach (var file in Directory.GetFiles(dropIns, "*.cfg").Order(StringComparer.Ordinal))
            {
                if (File.ReadAllText(file).Contains("crashkernel=", StringComparison.Ordinal))
                {
                    notes.Add($"{file} also sets crashkernel= and is read after {GrubDefault}; it was not changed");
                }
            }
        }

        var regenerator = BootLoaderRegenerator.Find(root, after, value);
        if (dryRun)
        {
            return new CrashkernelResetResult(changed, diff, regenerator, null, notes);
        }

        if (changed)
        {
            AtomicFile.WriteText(path, after, backup: true);
        }

        int? exit = null;
        if (!changed)
        {
            notes.Add($"crashkernel={value} is already set: nothing to do");
        }
        else if (regenerator is null)
        {
            notes.Add("no boot loader regenerator (grubby, update-grub, grub2-mkconfig, grub-mkconfig) found: regenerate the boot configuration yourself");
        }
        else if (runner is null)
        {
            notes.Add($"not run under a root prefix: {string.Join(' ', regenerator)}");
        }
        else
        {
            exit = runner(regenerator, TextWriter.Null);
            if (exit != 0)
            {
                throw new NkdumpException($"{string.Join(' ', regenerator)} failed with exit {exit}; {GrubDefault} is updated (old copy in {GrubDefault}{AtomicFile.BackupSuffix})");
            }
        }

        return new CrashkernelResetResult(changed, diff, regenerator, exit, notes);
    }
}
