namespace Nkdump.Setup.Boot;

/// <summary>
/// Debian's way to add kernel parameters for GRUB: a shell fragment in /etc/default/grub.d/ that
/// update-grub sources after /etc/default/grub (kdump-tools ships kdump-tools.cfg the same way).
/// nkdump's is nkdump.cfg; it appends crashkernel= to GRUB_CMDLINE_LINUX_DEFAULT, which comes last
/// on the kernel command line, and the kernel uses the last crashkernel= it is given. The package's
/// purge removes the file; /etc/default/grub is never edited on Debian.
/// Before adding its own, the drop-in takes every crashkernel= that /etc/default/grub or an earlier
/// drop-in put into GRUB_CMDLINE_LINUX_DEFAULT off it: after a move from kdump-tools, dpkg keeps
/// kdump-tools' conffile /etc/default/grub.d/kdump-tools.cfg until kdump-tools is purged, and no
/// package may edit another's conffile, so the command line would otherwise carry two.
/// </summary>
internal static class GrubDropIn
{
    public const string Directory = "/etc/default/grub.d";
    public const string Path = Directory + "/nkdump.cfg";

    /// <summary>Debian and its derivatives (Ubuntu…) have /etc/debian_version; their update-grub reads grub.d.</summary>
    public static bool Applies(HostRoot root) => File.Exists(root.Resolve("/etc/debian_version"));

    public static string Text(string value) =>
        "# Written by 'nkdump crashkernel reset': memory reserved for nkdump's capture kernel.\n"
        + "# Change it with 'nkdump crashkernel reset --size VALUE'; purging the nkdump package removes this file.\n"
        + "# Any crashkernel= read before this file (kdump-tools.cfg, /etc/default/grub) is taken off first.\n"
        + $"GRUB_CMDLINE_LINUX_DEFAULT=\"$(printf '%s\\n' \"$GRUB_CMDLINE_LINUX_DEFAULT\" | sed -e 's/^/ /' {StripsEarlier} -e 's/^ //')\"\n"
        + $"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel={value}\"\n";

    /// <summary>
    /// The drop-in's text after setting <paramref name="value"/>: the same string when it already says
    /// so and takes earlier crashkernel= off (an older drop-in without that line is rewritten).
    /// </summary>
    public static string WithCrashkernel(string before, string value) =>
        GrubDefaultEditor.CurrentCrashkernel(before) == value && before.Contains(StripsEarlier, StringComparison.Ordinal) ? before : Text(value);

    /// <summary>The sed expression of the line that takes earlier crashkernel= off.</summary>
    private const string StripsEarlier = "-e 's/ crashkernel=[^ ]*//g'";

    /// <summary>Whether update-grub reads the drop-in <paramref name="fileName"/> before nkdump.cfg (it sources grub.d/*.cfg in name order).</summary>
    public static bool ReadBefore(string fileName) => string.CompareOrdinal(fileName, System.IO.Path.GetFileName(Path)) < 0;
}
