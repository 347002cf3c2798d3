namespace Nkdump.Setup.Boot;

/// <summary>
/// crashkernel= in a plain kernel command line (/etc/kernel/cmdline, a boot loader entry's
/// <c>options</c> line): parameters separated by blanks, every other one kept in place.
/// </summary>
internal static class KernelCommandLineText
{
    /// <summary>The line with exactly one crashkernel=VALUE, where the first old one was (or appended).</summary>
    public static string SetCrashkernel(string line, string value)
    {
        var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var edited = string.Join(' ', WithCrashkernel(words, value));
        return edited == string.Join(' ', words) ? line : edited;
    }

    /// <summary>
    /// The parameters with exactly one crashkernel=VALUE, put where the first old one was so a
    /// re-run leaves the line as it is (appended when there was none); every other word kept in place.
    /// </summary>
    public static List<string> WithCrashkernel(IReadOnlyList<string> words, string value)
    {
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

        return result;
    }

    /// <summary>The value of the last crashkernel= (the one the kernel uses), or null.</summary>
    public static string? Crashkernel(string line) =>
        line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).LastOrDefault(IsCrashkernel)?["crashkernel=".Length..];

    public static bool IsCrashkernel(string word) => word.StartsWith("crashkernel=", StringComparison.Ordinal);
}
