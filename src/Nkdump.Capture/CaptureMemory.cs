using System.Globalization;

namespace Nkdump.Capture;

/// <summary>
/// The capture kernel's memory as the capture log reports it: what the kernel had available when
/// `nkdump save` started, and nkdump's own peak when the dump was written. These two lines are what
/// sizes crashkernel= (issue 18: the memory an extra capture CPU costs is measured from them, by
/// comparing captures with nr_cpus=1 and nr_cpus=2).
/// </summary>
internal static class CaptureMemory
{
    /// <summary>"memory: 61 MiB available of 118 MiB" from /proc/meminfo; null when it cannot be read.</summary>
    public static string? Describe(CaptureRoot root)
    {
        var meminfo = TryRead(root.Resolve("/proc/meminfo"));
        return Kibibytes(meminfo, "MemTotal:") is { } total && Kibibytes(meminfo, "MemAvailable:") is { } available
            ? $"memory: {Mebibytes(available)} available of {Mebibytes(total)}"
            : null;
    }

    /// <summary>
    /// "peak memory of nkdump: 12.4 MiB (VmHWM); 48 MiB available now": the process's resident peak
    /// (binary pages, heap, pipeline buffers) and what the kernel still had; null when unreadable.
    /// </summary>
    public static string? DescribePeak(CaptureRoot root)
    {
        var status = TryRead(root.Resolve("/proc/self/status"));
        if (Kibibytes(status, "VmHWM:") is not { } peak)
        {
            return null;
        }

        var available = Kibibytes(TryRead(root.Resolve("/proc/meminfo")), "MemAvailable:");
        return $"peak memory of nkdump: {Mebibytes(peak)} (VmHWM)" + (available is { } a ? $"; {Mebibytes(a)} available now" : "");
    }

    /// <summary>MemAvailable of /proc/meminfo in KiB; null when it cannot be read.</summary>
    public static long? AvailableKibibytes(CaptureRoot root) => Kibibytes(TryRead(root.Resolve("/proc/meminfo")), "MemAvailable:");

    /// <summary>The value of a "Name:   1234 kB" line; null when absent or not a number.</summary>
    internal static long? Kibibytes(string? text, string name)
    {
        foreach (var line in (text ?? "").Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line[name.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return fields.Length >= 1 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }

        return null;
    }

    private static string Mebibytes(long kib) => (kib / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>A small /proc file; null when it cannot be read (a test root without it, or no /proc).</summary>
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
