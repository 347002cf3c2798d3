using Nkdump.Formats;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Boot;

/// <summary>Where a machine keeps its kernel command line.</summary>
public enum BootConfigurationKind
{
    /// <summary>/etc/default/grub, turned into grub.cfg by update-grub or grub(2)-mkconfig (grubby on BLS systems).</summary>
    Grub,

    /// <summary>No /etc/default/grub but grubby: it edits the boot entries (Fedora/RHEL BLS, s390x zipl).</summary>
    Grubby,

    /// <summary>systemd-boot and kernel-install: /etc/kernel/cmdline for new kernels, BLS entry files for installed ones.</summary>
    KernelInstall,
}

/// <summary>A file crashkernel= changes. <see cref="ByNkdump"/> false: a tool (grubby) writes it, nkdump only shows and backs it up.</summary>
internal sealed record BootFileEdit(string Path, string Before, string After, bool ByNkdump)
{
    public bool Changed => Before != After;
}

/// <summary>What setting crashkernel= takes on this machine: the files, the commands after them, and notes.</summary>
internal sealed record BootConfigurationPlan(BootConfigurationKind Kind, IReadOnlyList<BootFileEdit> Edits, IReadOnlyList<IReadOnlyList<string>> Commands, bool Changed, IReadOnlyList<string> Notes);

/// <summary>
/// Finds where the root keeps the kernel command line and plans putting crashkernel=VALUE there:
/// on Debian and Ubuntu the GRUB drop-in /etc/default/grub.d/nkdump.cfg (<see cref="GrubDropIn"/>);
/// elsewhere /etc/default/grub when it exists (GRUB, and Fedora/RHEL with grubby for the BLS entries), else grubby alone, else systemd-boot's /etc/kernel/cmdline and BLS entries.
/// /etc/kernel/cmdline is edited wherever it exists, as kernel-install reads it for new kernels.
/// </summary>
internal static class BootConfiguration
{
    public const string KernelCmdline = "/etc/kernel/cmdline";
    public const string GrubEnvironment = "/boot/grub2/grubenv";
    public static readonly string[] GrubbyPaths = ["/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby"];

    public static BootConfigurationKind Detect(HostRoot root)
    {
        if (File.Exists(root.Resolve(CrashkernelReset.GrubDefault)))
        {
            return BootConfigurationKind.Grub;
        }

        if (root.FirstExisting(GrubbyPaths) is not null)
        {
            return BootConfigurationKind.Grubby;
        }

        if (File.Exists(root.Resolve(KernelCmdline)) || BootLoaderEntries.Find(root).Count > 0)
        {
            return BootConfigurationKind.KernelInstall;
        }

        throw new NkdumpException($"no boot configuration nkdump can edit under {root}: none of {CrashkernelReset.GrubDefault} (GRUB), grubby, "
            + $"{KernelCmdline} or {string.Join(", ", BootLoaderEntries.Directories)} (systemd-boot) exists; add crashkernel= to the kernel command line yourself");
    }

    public static BootConfigurationPlan Plan(HostRoot root, string value)
    {
        var kind = Detect(root);
        var edits = new List<BootFileEdit>();
        var commands = new List<IReadOnlyList<string>>();
        var notes = new List<string>();
        var grubbyStale = false;
        IReadOnlyList<string>? regenerator = null;
        if (kind == BootConfigurationKind.Grub && GrubDropIn.Applies(root))
        {
            // Debian: a drop-in, /etc/default/grub stays as the administrator wrote it.
            var grubDefault = Read(root, CrashkernelReset.GrubDefault);
            var before = File.Exists(root.Resolve(GrubDropIn.Path)) ? Read(root, GrubDropIn.Path) : "";
            edits.Add(new BootFileEdit(GrubDropIn.Path, before, GrubDropIn.WithCrashkernel(before, value), true));
            if (GrubDefaultEditor.CurrentCrashkernel(grubDefault) is { } other && other != value)
            {
                notes.Add($"{CrashkernelReset.GrubDefault} also sets crashkernel={other}; {GrubDropIn.Path} comes after it on the kernel command line, and the kernel uses the last one");
            }

            regenerator = BootLoaderRegenerator.Find(root, grubDefault, value);
            if (regenerator is null)
            {
                notes.Add("no boot loader regenerator (update-grub, grub-mkconfig) found: regenerate the boot configuration yourself");
            }
        }
        else if (kind == BootConfigurationKind.Grub)
        {
            var before = Read(root, CrashkernelReset.GrubDefault);
            edits.Add(new BootFileEdit(CrashkernelReset.GrubDefault, before, GrubDefaultEditor.SetCrashkernel(before, value), true));
            regenerator = BootLoaderRegenerator.Find(root, edits[0].After, value);
            if (regenerator is null)
            {
                notes.Add("no boot loader regenerator (grubby, update-grub, grub2-mkconfig, grub-mkconfig) found: regenerate the boot configuration yourself");
            }
        }
        else if (kind == BootConfigurationKind.Grubby)
        {
            regenerator = GrubbyCommand(root.FirstExisting(GrubbyPaths)!, value);
        }

        if (File.Exists(root.Resolve(KernelCmdline)))
        {
            var before = Read(root, KernelCmdline);
            var line = before.TrimEnd('\n');
            var after = KernelCommandLineText.SetCrashkernel(line, value);
            edits.Add(new BootFileEdit(KernelCmdline, before, ReferenceEquals(after, line) ? before : after + "\n", true));
        }

        var byGrubby = regenerator is not null && regenerator[0].EndsWith("grubby", StringComparison.Ordinal);
        if (byGrubby || kind == BootConfigurationKind.KernelInstall)
        {
            foreach (var entry in BootLoaderEntries.Find(root))
            {
                if (entry.UsesVariables)
                {
                    // RHEL 8: "options $kernelopts"; the parameters are in grubenv, which grubby edits.
                    var kernelopts = KernelOpts(root);
                    grubbyStale |= byGrubby && (kernelopts is null || KernelCommandLineText.Crashkernel(kernelopts) != value);
                    continue;
                }

                edits.Add(new BootFileEdit(entry.Path, entry.Text, entry.WithCrashkernel(value), !byGrubby));
            }
        }

        var changed = grubbyStale || edits.Any(e => e.Changed);
        if (changed && regenerator is not null)
        {
            commands.Add(regenerator);
        }

        if (kind == BootConfigurationKind.KernelInstall)
        {
            foreach (var dir in new[] { "/boot/EFI/Linux", "/efi/EFI/Linux", "/boot/efi/EFI/Linux" })
            {
                if (Directory.Exists(root.Resolve(dir)) && Directory.GetFiles(root.Resolve(dir), "*.efi").Length > 0)
                {
                    notes.Add($"{dir} holds unified kernel images, whose command line is built in: rebuild them (kernel-install add VERSION IMAGE) for crashkernel= to reach them");
                }
            }
        }

        return new BootConfigurationPlan(kind, edits, commands, changed, notes);
    }

    /// <summary>
    /// The crashkernel= values the boot configuration gives now, by place ("/etc/default/grub",
    /// each boot entry): what the kernels will boot with. Places without crashkernel= are left out.
    /// </summary>
    public static IReadOnlyList<(string Where, string Value)> Current(HostRoot root)
    {
        var plan = Plan(root, "0M");
        var found = new List<(string, string)>();
        foreach (var edit in plan.Edits)
        {
            var value = edit.Path is CrashkernelReset.GrubDefault or GrubDropIn.Path ? GrubDefaultEditor.CurrentCrashkernel(edit.Before)
                : edit.Path == KernelCmdline ? KernelCommandLineText.Crashkernel(edit.Before)
                : BootLoaderEntries.Parse(edit.Path, edit.Before).Options is { } options ? KernelCommandLineText.Crashkernel(options) : null;
            if (value is not null)
            {
                found.Add((edit.Path, value));
            }
        }

        if (plan.Kind != BootConfigurationKind.KernelInstall && BootLoaderEntries.Find(root).Any(e => e.UsesVariables)
            && KernelOpts(root) is { } kernelopts && KernelCommandLineText.Crashkernel(kernelopts) is { } fromEnv)
        {
            found.Add((GrubEnvironment, fromEnv));
        }

        return found;
    }

    private static string[] GrubbyCommand(string grubby, string value) => [grubby, "--update-kernel=ALL", $"--args=crashkernel={value}"];

    /// <summary>kernelopts from GRUB's environment block ("kernelopts=root=… ro crashkernel=auto").</summary>
    private static string? KernelOpts(HostRoot root) =>
        root.TryReadText(GrubEnvironment)?.Split('\n').FirstOrDefault(l => l.StartsWith("kernelopts=", StringComparison.Ordinal))?["kernelopts=".Length..];

    private static string Read(HostRoot root, string path)
    {
        try
        {
            return InputFile.ReadAllText(root.Resolve(path), InputLimits.SystemText, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"cannot read {root.Resolve(path)}: {e.Message}", e);
        }
    }
}
