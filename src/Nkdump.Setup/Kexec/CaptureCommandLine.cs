using System.Globalization;
using Nkdump.Config;

namespace Nkdump.Setup.Kexec;

/// <summary>
/// The capture kernel's command line, as kdump-utils builds it (kdump-lib.sh prepare_cmdline with
/// the x86_64 values of gen-kdump-sysconfig.sh): the running kernel's /proc/cmdline (or
/// kdump_commandline), minus crashkernel= and the parameters that waste or break the capture
/// kernel's small memory, plus the x86_64 additions, plus kdump_commandline_append. kdump-utils
/// keeps the remove/append lists in /etc/sysconfig/kdump; nkdump reads them from kdump.conf
/// (kdump_commandline_remove / kdump_commandline_append) so there is one file to edit.
/// Unlike kdump-utils, root= is kept: nkdump's capture side reads it to find the root file system;
/// and the line starts with the bare word "init", which the kernel hands to /init (nkdump) as its
/// first argument: the verb to run.
/// </summary>
internal static class CaptureCommandLine
{
    /// <summary>Always removed, by parameter name (kdump-utils' fixed list and KDUMP_COMMANDLINE_REMOVE for x86_64).</summary>
    public static IReadOnlyList<string> Removed { get; } =
    [
        "crashkernel", "panic_on_warn",
        "hugepages", "hugepagesz", "slub_debug", "quiet", "log_buf_len", "swiotlb", "hugetlb_cma", "ignition.firstboot", "cma",
        "rd.lvm.lv", "rd.luks.uuid", "rd.dm.uuid", "rd.md.uuid", "fcoe", "netroot", "rd.iscsi.initiator", "iscsi_initiator",
        "rdinit", "init",
    ];

    /// <summary>KDUMP_COMMANDLINE_APPEND for x86_64: the common part and the architecture's.</summary>
    public static IReadOnlyList<string> Added { get; } =
    [
        "novmcoredd", "hugetlb_cma=0", "kfence.sample_interval=0", "initramfs_options=size=90%",
        "irqpoll", "nr_cpus=1", "reset_devices", "cgroup_disable=memory", "mce=off", "numa=off", "udev.children-max=2",
        "panic=10", "acpi_no_memhotplug", "transparent_hugepage=never", "nokaslr", "hest_disable", "cma=0", "pcie_ports=compat",
    ];

    /// <param name="running">/proc/cmdline of the running kernel.</param>
    /// <param name="bootCpuApicId">The boot CPU's initial APIC id, when known (kdump-utils adds disable_cpu_apicid=).</param>
    /// <param name="captureCpus">nr_cpus= (<see cref="CaptureCpuChoice"/>); null: capture_cpus as written.</param>
    public static string Build(string running, KdumpConfig config, int? bootCpuApicId, int? captureCpus = null)
    {
        var words = Split(config.CommandLine ?? running);

        // Parameters after "--" belong to the first kernel's init, not to ours.
        var dashes = words.IndexOf("--");
        if (dashes >= 0)
        {
            words = words.GetRange(0, dashes);
        }

        // nr_cpus=1 as kdump-utils has it, unless capture_cpus asks for more.
        var added = Added.Select(w => w == "nr_cpus=1" ? $"nr_cpus={(captureCpus ?? config.CaptureCpus).ToString(CultureInfo.InvariantCulture)}" : w)
            .Concat(config.CommandLineAppend).ToList();
        var remove = new HashSet<string>(Removed.Concat(config.CommandLineRemove), StringComparer.Ordinal);

        // A name we set ourselves replaces the running kernel's value rather than following it.
        foreach (var word in added)
        {
            remove.Add(NameOf(word));
        }

        var result = words.Where(w => !remove.Contains(NameOf(w))).Concat(added).ToList();
        if (bootCpuApicId is { } id && !result.Any(w => NameOf(w) == "disable_cpu_apicid"))
        {
            result.Add($"disable_cpu_apicid={id.ToString(CultureInfo.InvariantCulture)}");
        }

        // The kernel hands every word it does not know (novmcoredd on a kernel without
        // CONFIG_PROC_VMCORE_DEVICE_DUMP, splash, rhgb…) to /init as arguments, in command-line
        // order. /init is nkdump, so the first word is "init": its first argument is then the
        // verb to run, whatever else follows (seen on Debian's 6.1 kernel in QEMU).
        return "init " + string.Join(' ', result);
    }

    /// <summary>The "initial apicid" of processor 0 in /proc/cpuinfo, or null.</summary>
    public static int? BootCpuApicId(string? cpuinfo)
    {
        foreach (var line in (cpuinfo ?? "").Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == "initial apicid")
            {
                return int.TryParse(line[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
            }
        }

        return null;
    }

    /// <summary>Splits a command line into parameters; double quotes group (param="a b").</summary>
    private static List<string> Split(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in text.Trim())
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (!quoted && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }

                continue;
            }

            current.Append(c);
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    private static string NameOf(string word)
    {
        var eq = word.IndexOf('=');
        return eq < 0 ? word : word[..eq];
    }
}
