using System.Globalization;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Estimate;

/// <summary>
/// Memory the capture kernel's modules take once loaded, as kdumpctl estimates it: the modules the
/// capture initramfs holds (from its manifest), each at its size in the running kernel's
/// /proc/modules ("name size refcount deps state address").
/// </summary>
public static class ModuleMemory
{
    public static ulong LoadedSize(HostRoot root, string release)
    {
        var manifest = root.TryReadText(CaptureInitramfs.ManifestPath(release));
        var loaded = root.TryReadText("/proc/modules");
        if (manifest is null || loaded is null)
        {
            return 0;
        }

        var names = manifest.Split('\n')
            .Select(l => l.Split(' '))
            .Where(p => p.Length >= 3 && p[0] == "file" && p[2].Contains("/modules/", StringComparison.Ordinal) && p[2].Contains(".ko", StringComparison.Ordinal))
            .Select(p => KernelModules.NameOf(p[2]))
            .ToHashSet(StringComparer.Ordinal);
        ulong total = 0;
        foreach (var line in loaded.Split('\n'))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length >= 2 && names.Contains(parts[0]) && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                total += size;
            }
        }

        return total;
    }
}
