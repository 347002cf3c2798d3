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

    public static string Text(bool alias) =>
        "[Unit]\n"
        + "Description=nkdump: load a capture kernel for kernel crash dumps\n"
        + "Documentation=man:kdump.conf(5)\n"
        + "After=local-fs.target network-online.target remote-fs.target\n"
        + "Wants=network-online.target\n"
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
