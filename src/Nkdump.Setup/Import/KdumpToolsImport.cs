using Nkdump.Setup.Kexec;

namespace Nkdump.Setup.Import;

/// <summary>
/// Debian's kdump-tools: /etc/default/kdump-tools (read by kdump-config) to kdump.conf. Carried over:
/// KDUMP_COREDIR (path), MAKEDUMP_ARGS (core_collector), SSH and SSH_KEY, NFS, KDUMP_FAIL_CMD when
/// it is a plain reboot, halt or poweroff, KDUMP_CMDLINE and KDUMP_CMDLINE_APPEND (less the words
/// nkdump adds itself and kdump-tools' own systemd.unit=kdump-tools-dump.service). The dump keeps
/// kdump-tools' names (dump_layout debian). Everything else that is set is reported.
/// </summary>
internal static class KdumpToolsImport
{
    public const string DefaultsFile = "/etc/default/kdump-tools";

    /// <summary>Variables that only steer kdump-tools' own machinery: nkdump has no use for them.</summary>
    private static readonly Dictionary<string, string> NotNeeded = new(StringComparer.Ordinal)
    {
        ["KDUMP_KERNEL"] = "nkdump loads the running kernel's own image",
        ["KDUMP_INITRD"] = "nkdump builds its own capture initramfs (/var/lib/nkdump)",
        ["DEBUG_KERNEL"] = "nkdump reads the dump's BTF and kallsyms, no debug kernel is needed",
        ["KDUMP_SYSCTL"] = "set kernel.panic_on_oops and friends with sysctl.d yourself",
    };

    /// <summary>Words of Debian's default KDUMP_CMDLINE_APPEND that belong to kdump-tools' capture initramfs.</summary>
    private static readonly string[] KdumpToolsOnlyWords = ["systemd.unit=kdump-tools-dump.service"];

    public static ImportResult Convert(string text, string file)
    {
        var vars = ShellAssignments.Parse(text, file);
        var b = new ImportBuilder(file);
        b.Comment($"kdump.conf written by 'nkdump config import --from kdump-tools' from {file}; see kdump.conf(5).");
        b.Line("dump_layout debian");
        string From(ShellAssignments.Assignment a) => $"{file}:{a.Line} {a.Name}";
        var ssh = vars.TryGetValue("SSH", out var sshTarget) && sshTarget.Value.Length > 0;

        foreach (var a in vars.Values.OrderBy(a => a.Line))
        {
            if (a.Computed)
            {
                b.NotCarried(From(a), $"'{a.Value}' is computed by the shell; set the equivalent in kdump.conf yourself");
                continue;
            }

            switch (a.Name)
            {
                case "USE_KDUMP":
                    if (a.Value != "1")
                    {
                        b.NotCarried(From(a), "kdump was disabled; nkdump.service is enabled by the package: 'systemctl disable nkdump' to keep it off");
                    }

                    break;
                case "KDUMP_COREDIR" when a.Value.Length > 0:
                    b.Directive("path", a.Value, From(a));
                    break;
                case "MAKEDUMP_ARGS" when a.Value.Length > 0:
                    // kdump-config adds -F itself for ssh; kdump.conf says it (nkdump's check wants it).
                    var flattened = ssh && !a.Value.Split(' ').Contains("-F");
                    b.Directive("core_collector", $"makedumpfile {(flattened ? "-F " : "")}{a.Value}", From(a) + (flattened ? " (-F added: the ssh target receives a stream)" : ""));
                    break;
                case "SSH" when a.Value.Length > 0:
                    b.Directive("ssh", a.Value, From(a));
                    break;
                case "SSH_KEY" when a.Value.Length > 0:
                    b.Directive("sshkey", a.Value, From(a));
                    break;
                case "NFS" when a.Value.Length > 0:
                    b.Directive("nfs", a.Value, From(a));
                    break;
                case "KDUMP_FAIL_CMD" when a.Value.Length > 0:
                    FailCommand(b, a, From(a));
                    break;
                case "KDUMP_CMDLINE" when a.Value.Length > 0:
                    b.Directive("kdump_commandline", a.Value, From(a));
                    break;
                case "KDUMP_CMDLINE_APPEND" when a.Value.Length > 0:
                    CommandLineAppend(b, a, From(a));
                    break;
                case "KDUMP_DUMP_DMESG":
                    if (a.Value == "0")
                    {
                        b.NotCarried(From(a), "nkdump always saves the kernel log beside the dump");
                    }

                    break;
                case "KDUMP_NUM_DUMPS" when a.Value is not ("" or "0"):
                    if (int.TryParse(a.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var keep) && keep >= 1)
                    {
                        b.Directive("keep_dumps", a.Value, From(a)); // the same rule: the newest N stay, the capture removes older ones
                    }
                    else
                    {
                        b.NotCarried(From(a), "not a number of dumps");
                    }

                    break;
                case "KDUMP_COMPRESSION" when a.Value.Length > 0:
                    b.NotCarried(From(a), "nkdump does not compress the whole file afterwards; its collector compresses pages (-c, -l, -p, -z in core_collector)");
                    break;
                case "NFS_TIMEO" or "NFS_RETRANS" when a.Value.Length > 0:
                    b.NotCarried(From(a), "nkdump mounts NFS with its own options");
                    break;
                case "HOSTTAG" when a.Value is not ("" or "ip"):
                    b.NotCarried(From(a), "nkdump names a network dump's directory by the IP address");
                    break;
                case "KDUMP_KEXEC_ARGS" when a.Value.Length > 0:
                    b.NotCarried(From(a), "nkdump loads with kexec_file_load and takes no kexec options");
                    break;
                case var name when name.StartsWith("FTP", StringComparison.Ordinal) && a.Value.Length > 0:
                    b.NotCarried(From(a), "nkdump has no FTP target; use ssh or nfs");
                    break;
                case var name when NotNeeded.TryGetValue(name, out var why):
                    if (a.Value.Length > 0)
                    {
                        b.NotCarried(From(a), $"not needed: {why}");
                    }

                    break;
                case "USE_KDUMP" or "KDUMP_COREDIR" or "MAKEDUMP_ARGS" or "SSH" or "SSH_KEY" or "NFS" or "KDUMP_FAIL_CMD" or "KDUMP_CMDLINE"
                    or "KDUMP_CMDLINE_APPEND" or "KDUMP_NUM_DUMPS" or "KDUMP_COMPRESSION" or "NFS_TIMEO" or "NFS_RETRANS" or "HOSTTAG" or "KDUMP_KEXEC_ARGS":
                    break; // set to the empty value or kdump-tools' default: nothing to carry
                default:
                    b.NotCarried(From(a), "not a kdump-tools setting nkdump knows");
                    break;
            }
        }

        return b.Build();
    }

    private static void FailCommand(ImportBuilder b, ShellAssignments.Assignment a, string from)
    {
        var action = a.Value.Trim() switch
        {
            "reboot" or "reboot -f" => "reboot",
            "halt" or "halt -f" => "halt",
            "poweroff" or "poweroff -f" => "poweroff",
            _ => null,
        };
        if (action is null)
        {
            b.NotCarried(from, $"'{a.Value}' is a command; nkdump has failure_action reboot|halt|poweroff|shell|dump_to_rootfs and kdump_emergency PROGRAM");
            return;
        }

        b.Directive("failure_action", action, from);
    }

    private static void CommandLineAppend(ImportBuilder b, ShellAssignments.Assignment a, string from)
    {
        var words = a.Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var dropped = words.Where(w => KdumpToolsOnlyWords.Contains(w) || CaptureCommandLine.Added.Contains(w)).ToList();
        var kept = words.Except(dropped).ToList();
        if (kept.Count > 0)
        {
            b.Directive("kdump_commandline_append", string.Join(' ', kept), from);
        }

        if (dropped.Count > 0)
        {
            b.Comment($"{from}: {string.Join(' ', dropped)} left out: nkdump adds its own capture parameters");
        }
    }
}
