namespace Nkdump.Setup.Boot;

/// <summary>
/// crashkernel= in a plain kernel command line (/etc/kernel/cmdline, a boot loader entry's
/// <c>options</c> line): parameters separated by blanks, every other one kept in place.
/// </summary>
public static class KernelCommandLineText
{
    /// <summary>The line with exactly one crashkernel=VALUE, where the first old one was (or appended).</summary>
    public static string SetCrashkernel(string line, string value)
    {
        var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var wanted = $"crashkernel={value}";
        var result = new List<string>();
        var placed = false;
        foreach (var word in words)
        {
            if (!IsCrashkernel(word))
            {
                result.Add(word);
            }
            else if (!placed)
            {
                result.Add(wanted);
                placed = true;
            }
        }

        if (!placed)
        {
            result.Add(wanted);
        }

        var edited = string.Join(' ', result);
        return edited == string.Join(' ', words) ? line : edited;
    }

    /// <summary>The value of the last crashkernel= (the one the kernel uses), or null.</summary>
    public static string? Crashkernel(string line) =>
        line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).LastOrDefault(IsCrashkernel)?["crashkernel=".Length..];

    private static bool IsCrashkernel(string word) => word.StartsWith("crashkernel=", StringComparison.Ordinal);
}
