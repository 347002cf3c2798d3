namespace Nkdump.Setup.Service;

/// <summary>The nkdump.service unit: a oneshot that loads the capture kernel at boot, like kdump.service.</summary>
public static class SystemdUnit
{
    public const string Name = "nkdump.service";
    public const string AliasName = "kdump.service";
    public const string Directory = "/etc/systemd/system";

    /// <summary>Where other kdump services install their units; an alias is added only when none has kdump.service.</summary>
    public static IReadOnlyList<string> UnitDirectories { get; } =
        ["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system", "/usr/local/lib/systemd/system"];

    /// <summary>
    /// The unit's text. <paramref name="waitForNetwork"/> false is the Debian package's unit
    /// (packaging/systemd/nkdump.service, pinned by a test): nkdump-generator adds
    /// Wants=network-online.target only when the target is remote. `nkdump install` has no
    /// generator, so its unit always wants the network.
    /// </summary>
    public static string Text(bool alias, bool waitForNetwork = true) =>
        "[Unit]\n"
        + "Description=nkdump: load a capture kernel for kernel crash dumps\n"
        + (waitForNetwork ? "Documentation=man:kdump.conf(5)\n" : "Documentation=man:nkdump(8) man:kdump.conf(5)\n")
        + "After=local-fs.target network-online.target remote-fs.target\n"
        + (waitForNetwork ? "Wants=network-online.target\n" : "")
        + "ConditionKernelCommandLine=crashkernel\n"
        + "\n"
        + "[Service]\n"
        + "Type=oneshot\n"
        + "RemainAfterExit=yes\n"
        + "ExecStart=/usr/sbin/nkdump start\n"
        + "ExecStop=/usr/sbin/nkdump stop\n"
        + "ExecReload=/usr/sbin/nkdump reload\n"
        + "\n"
        + "[Install]\n"
        + "WantedBy=multi-user.target\n"
        + (alias ? $"Alias={AliasName}\n" : "");
}
