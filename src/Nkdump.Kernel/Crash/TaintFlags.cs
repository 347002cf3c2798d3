using System.Text;

namespace Nkdump.Kernel.Crash;

/// <summary>
/// The kernel's taint bits and their letters (taint_flags[] in kernel/panic.c; TAINT_* in
/// include/linux/panic.h). Bit 0 reads 'P' when set and 'G' when clear, as the kernel prints it.
/// </summary>
public static class TaintFlags
{
    private static readonly (char Letter, string Meaning)[] Flags =
    [
        ('P', "proprietary module was loaded"),
        ('F', "module was force loaded"),
        ('S', "kernel running on an out of specification system"),
        ('R', "module was force unloaded"),
        ('M', "processor reported a Machine Check Exception"),
        ('B', "bad page referenced or some unexpected page flags"),
        ('U', "taint requested by userspace application"),
        ('D', "kernel died recently, i.e. there was an OOPS or BUG"),
        ('A', "an ACPI table was overridden by user"),
        ('W', "kernel issued warning"),
        ('C', "staging driver was loaded"),
        ('I', "workaround for bug in platform firmware applied"),
        ('O', "externally-built (out-of-tree) module was loaded"),
        ('E', "unsigned module was loaded"),
        ('L', "soft lockup occurred"),
        ('K', "kernel has been live patched"),
        ('X', "auxiliary taint, defined for and used by distros"),
        ('T', "kernel was built with the struct randomization plugin"),
        ('N', "an in-kernel test has been run"),
        ('J', "userspace used a mutating debug operation in fwctl"),
    ];

    /// <summary>The letters of the set bits, e.g. "DW"; empty when not tainted. Unknown bits show as their number.</summary>
    public static string Letters(ulong mask)
    {
        var letters = new StringBuilder();
        for (var bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                letters.Append(bit < Flags.Length ? Flags[bit].Letter.ToString() : $"[{bit}]");
            }
        }

        return letters.ToString();
    }

    /// <summary>What each set bit means, in bit order.</summary>
    public static IReadOnlyList<string> Meanings(ulong mask)
    {
        var meanings = new List<string>();
        for (var bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                meanings.Add(bit < Flags.Length ? $"{Flags[bit].Letter}: {Flags[bit].Meaning}" : $"bit {bit}: unknown");
            }
        }

        return meanings;
    }
}
