using System.Globalization;
using Nkdump.Formats;

namespace Nkdump.Setup;

/// <summary>
/// What the running system says about itself, read through the root prefix: kernel release,
/// RAM size, the crash reservation and whether a capture kernel is loaded.
/// </summary>
public sealed class HostFacts(HostRoot root)
{
    public HostRoot Root { get; } = root;

    /// <summary>uname -r, from /proc/sys/kernel/osrelease.</summary>
    public string KernelRelease =>
        Root.TryReadText("/proc/sys/kernel/osrelease")?.Trim() is { Length: > 0 } release
            ? release
            : throw new NkdumpException($"cannot tell the kernel release: {Root.Resolve("/proc/sys/kernel/osrelease")} is missing or empty");

    /// <summary>The running kernel's command line.</summary>
    public string CommandLine =>
        Root.TryReadText("/proc/cmdline")?.Trim()
            ?? throw new NkdumpException($"{Root.Resolve("/proc/cmdline")} is missing");

    /// <summary>/sys/kernel/kexec_crash_size: bytes reserved for the capture kernel (0 = none); null when the file is absent.</summary>
    public ulong? CrashSize => ReadNumber("/sys/kernel/kexec_crash_size");

    /// <summary>How many CPUs are online (/sys/devices/system/cpu/online, e.g. "0-3,6"); null when unreadable.</summary>
    public int? OnlineCpus => CpuList.Count(Root.TryReadText("/sys/devices/system/cpu/online"));

    /// <summary>/sys/kernel/kexec_crash_loaded: 1 when a capture kernel is loaded.</summary>
    public bool CrashLoaded => ReadNumber("/sys/kernel/kexec_crash_loaded") == 1;

    /// <summary>
    /// The RAM size as the kernel counts it for crashkernel= ranges: the "System RAM" ranges of
    /// /proc/iomem (only root sees their addresses), else MemTotal of /proc/meminfo, which is a
    /// little smaller.
    /// </summary>
    public ulong SystemRam
    {
        get
        {
            ulong total = 0;
            foreach (var line in (Root.TryReadText("/proc/iomem") ?? "").Split('\n'))
            {
                // Top-level entries only: "00100000-bffd9fff : System RAM".
                if (line.Length == 0 || line[0] == ' ' || !line.EndsWith(": System RAM", StringComparison.Ordinal))
                {
                    continue;
                }

                var range = line[..line.IndexOf(' ')].Split('-');
                if (range.Length == 2
                    && ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                    && ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end) && end > start)
                {
                    total += end - start + 1;
                }
            }

            if (total > 0)
            {
                return total;
            }

            foreach (var line in (Root.TryReadText("/proc/meminfo") ?? "").Split('\n'))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && parts[0] == "MemTotal:" && ulong.TryParse(parts[1], CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }

            throw new NkdumpException($"cannot tell the RAM size: neither {Root.Resolve("/proc/iomem")} nor {Root.Resolve("/proc/meminfo")} says it");
        }
    }

    /// <summary>The kernel image for a release: /boot/vmlinuz-RELEASE (or /lib/modules/RELEASE/vmlinuz, as Fedora ships it).</summary>
    public string? FindKernelImage(string release) =>
        Root.FirstExisting($"/boot/vmlinuz-{release}", $"/lib/modules/{release}/vmlinuz", $"/usr/lib/modules/{release}/vmlinuz");

    private ulong? ReadNumber(string path)
    {
        var text = Root.TryReadText(path)?.Trim();
        return text is null ? null
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new NkdumpException($"{Root.Resolve(path)}: '{text}' is not a number");
    }
}
