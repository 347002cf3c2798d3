namespace Nkdump.Setup.Boot;

/// <summary>
/// Debian's way to add kernel parameters for GRUB: a shell fragment in /etc/default/grub.d/ that
/// update-grub sources after /etc/default/grub (kdump-tools ships kdump-tools.cfg the same way).
/// nkdump's is nkdump.cfg; it appends crashkernel= to GRUB_CMDLINE_LINUX_DEFAULT, which comes last
/// on the kernel command line, and the kernel uses the last crashkernel= it is given. The package's
/// purge removes the file; /etc/default/grub is never edited on Debian.
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
        + $"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel={value}\"\n";

    /// <summary>The drop-in's text after setting <paramref name="value"/>: the same string when it already says so.</summary>
    public static string WithCrashkernel(string before, string value) =>
        GrubDefaultEditor.CurrentCrashkernel(before) == value ? before : Text(value);
}
