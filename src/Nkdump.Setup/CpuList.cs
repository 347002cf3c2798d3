using System.Globalization;

namespace Nkdump.Setup;

/// <summary>The kernel's CPU list format (/sys/devices/system/cpu/online: "0-3,6,8-9").</summary>
internal static class CpuList
{
    /// <summary>How many CPUs the list names; null when it is empty or not a CPU list.</summary>
    public static int? Count(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        long count = 0;
        foreach (var part in text.Trim().Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2
                || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || last < first)
            {
                return null;
            }

            count += (long)last - first + 1;
        }

        return count is > 0 and <= int.MaxValue ? (int)count : null;
    }
}
