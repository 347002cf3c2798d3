namespace Nkdump.Setup.Boot;

/// <summary>
/// The distribution's command that turns /etc/default/grub into the boot configuration, found the
/// way the distributions document it: grubby on BLS systems (Fedora, RHEL 8+), where the kernel
/// arguments live in /boot/loader/entries; update-grub on Debian and Ubuntu; grub2-mkconfig or
/// grub-mkconfig with the configuration file they write elsewhere.
/// </summary>
internal static class BootLoaderRegenerator
{
    /// <summary>The command to run (argv), or null when no known tool is installed under the root.</summary>
    public static IReadOnlyList<string>? Find(HostRoot root, string grubDefaultText, string crashkernelValue)
    {
        var bls = grubDefaultText.Split('\n').Any(l => l.Trim() is "GRUB_ENABLE_BLSCFG=true" or "GRUB_ENABLE_BLSCFG=\"true\"");
        var grubby = root.FirstExisting("/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby");
        if (grubby is not null && (bls || Directory.Exists(root.Resolve("/boot/loader/entries"))))
        {
            return [grubby, "--update-kernel=ALL", $"--args=crashkernel={crashkernelValue}"];
        }

        if (root.FirstExisting("/usr/sbin/update-grub", "/sbin/update-grub") is { } updateGrub)
        {
            return [updateGrub];
        }

        if (root.FirstExisting("/usr/sbin/grub2-mkconfig", "/sbin/grub2-mkconfig", "/usr/bin/grub2-mkconfig") is { } grub2)
        {
            return [grub2, "-o", "/boot/grub2/grub.cfg"];
        }

        if (root.FirstExisting("/usr/sbin/grub-mkconfig", "/sbin/grub-mkconfig", "/usr/bin/grub-mkconfig") is { } grub)
        {
            return [grub, "-o", "/boot/grub/grub.cfg"];
        }

        return grubby is null ? null : [grubby, "--update-kernel=ALL", $"--args=crashkernel={crashkernelValue}"];
    }
}

/// <summary>Runs a command and returns its exit code; injectable so tests run nothing.</summary>
public delegate int CommandRunner(IReadOnlyList<string> argv, TextWriter output);
