using System.Text;
using Nkdump.Formats;
using Nkdump.Formats.Limits;
using Nkdump.Kernel.Btf;

namespace Nkdump.Kernel.Crash;

/// <summary>
/// One taint bit: its letter when set, its letter when clear, whether modules show it, what it means,
/// and the kernel's own name for it (taint_flag.desc, "OOT_MODULE", 6.12+; null before).
/// </summary>
public sealed record TaintFlag(int Bit, char Letter, char ClearLetter, bool ShownForModules, string Meaning, string? Name = null);

/// <summary>
/// The kernel's taint bits and their letters: the crashed kernel's own taint_flags[] table
/// (kernel/panic.c; struct taint_flag { char c_true, c_false; bool module; const char *desc; },
/// desc since 6.12, module dropped in 7.x) read from the dump (<see cref="Read"/>), so a kernel
/// newer than nkdump still names its bits; the words for each letter are nkdump's (desc is only the
/// TAINT_ name, "OOT_MODULE"); else the built-in copy of that table
/// (<see cref="Builtin"/>, the bits of include/linux/panic.h up to TAINT_FWCTL 19).
/// Bit 0 reads 'P' when set and 'G' when clear, as the kernel prints it.
/// </summary>
public sealed class TaintFlags
{
    private static readonly (char Letter, char Clear, bool Module, string Meaning)[] Known =
    [
        ('P', 'G', true, "proprietary module was loaded"),
        ('F', ' ', true, "module was force loaded"),
        ('S', ' ', false, "kernel running on an out of specification system"),
        ('R', ' ', false, "module was force unloaded"),
        ('M', ' ', false, "processor reported a Machine Check Exception"),
        ('B', ' ', false, "bad page referenced or some unexpected page flags"),
        ('U', ' ', false, "taint requested by userspace application"),
        ('D', ' ', false, "kernel died recently, i.e. there was an OOPS or BUG"),
        ('A', ' ', false, "an ACPI table was overridden by user"),
        ('W', ' ', false, "kernel issued warning"),
        ('C', ' ', true, "staging driver was loaded"),
        ('I', ' ', false, "workaround for bug in platform firmware applied"),
        ('O', ' ', true, "externally-built (out-of-tree) module was loaded"),
        ('E', ' ', true, "unsigned module was loaded"),
        ('L', ' ', false, "soft lockup occurred"),
        ('K', ' ', true, "kernel has been live patched"),
        ('X', ' ', true, "auxiliary taint, defined for and used by distros"),
        ('T', ' ', true, "kernel was built with the struct randomization plugin"),
        ('N', ' ', true, "an in-kernel test has been run"),
        ('J', ' ', false, "userspace used a mutating debug operation in fwctl"),
    ];

    private TaintFlags(string source, IReadOnlyList<TaintFlag> flags)
    {
        Source = source;
        Flags = flags;
    }

    /// <summary>nkdump's own copy of the table, for dumps whose table cannot be read.</summary>
    public static TaintFlags Builtin { get; } = new("nkdump's built-in table",
        Known.Select((f, bit) => new TaintFlag(bit, f.Letter, f.Clear, f.Module, f.Meaning)).ToArray());

    /// <summary>"taint_flags in the dump" or "nkdump's built-in table".</summary>
    public string Source { get; }

    public IReadOnlyList<TaintFlag> Flags { get; }

    /// <summary>
    /// The crashed kernel's taint_flags[]: as many entries as fit between the symbol and the next one
    /// (kallsyms sizes), each laid out as BTF's struct taint_flag says. A meaning comes from the
    /// built-in table for the same letter, the name from the entry's desc.
    /// </summary>
    public static TaintFlags Read(KernelContext kernel, BtfTypes btf)
    {
        var symbols = kernel.Symbols ?? throw new NkdumpException($"taint_flags needs kernel symbols: {kernel.SymbolsProblem}");
        if (!symbols.TryGetAddress("taint_flags", out var table) || !symbols.TryResolve(table, out var location))
        {
            throw new NkdumpException("no taint_flags symbol");
        }

        var type = btf.Find("taint_flag", BtfKind.Struct) ?? throw new NkdumpException($"{btf.Source}: no struct taint_flag");
        var size = (ulong)btf.SizeOf(type.Id);
        var cTrue = btf.FindMember(type.Id, "c_true")?.ByteOffset ?? throw new NkdumpException($"{btf.Source}: struct taint_flag has no c_true");
        var cFalse = btf.FindMember(type.Id, "c_false")?.ByteOffset;
        var module = btf.FindMember(type.Id, "module")?.ByteOffset;
        var desc = btf.FindMember(type.Id, "desc")?.ByteOffset;
        var count = size == 0 ? 0 : (int)Math.Min(location.Size == 0 ? InputLimits.Kernel.TaintFlags : location.Size / size, InputLimits.Kernel.TaintFlags);
        var memory = kernel.Memory;
        var flags = new List<TaintFlag>();
        for (var bit = 0; bit < count; bit++)
        {
            var entry = memory.ReadBytes(table + ((ulong)bit * size), (int)size, "taint_flags");
            var letter = (char)entry[cTrue];
            if (!char.IsAsciiLetterUpper(letter))
            {
                break;
            }

            var name = desc is { } d ? ReadDescription(kernel, BitConverter.ToUInt64(entry, (int)d)) : null;
            var meaning = Known.FirstOrDefault(k => k.Letter == letter).Meaning ?? "(no description)";
            flags.Add(new TaintFlag(bit, letter, cFalse is { } f ? (char)entry[f] : ' ', module is { } m && entry[m] != 0, meaning, name));
        }

        return flags.Count == 0
            ? throw new NkdumpException("taint_flags holds no taint letters")
            : new TaintFlags("taint_flags in the dump", flags);
    }

    /// <summary>The letters of the set bits, e.g. "DW"; empty when not tainted. Unknown bits show as their number.</summary>
    public string Letters(ulong mask)
    {
        var letters = new StringBuilder();
        for (var bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                letters.Append(bit < Flags.Count ? Flags[bit].Letter.ToString() : $"[{bit}]");
            }
        }

        return letters.ToString();
    }

    /// <summary>What each set bit means, in bit order ("O: externally-built (out-of-tree) module was loaded (OOT_MODULE)").</summary>
    public IReadOnlyList<string> Meanings(ulong mask)
    {
        var meanings = new List<string>();
        for (var bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                meanings.Add(bit >= Flags.Count ? $"bit {bit}: unknown"
                    : Flags[bit].Name is { } name ? $"{Flags[bit].Letter}: {Flags[bit].Meaning} ({name})"
                    : $"{Flags[bit].Letter}: {Flags[bit].Meaning}");
            }
        }

        return meanings;
    }

    private static string? ReadDescription(KernelContext kernel, ulong pointer)
    {
        if (pointer == 0)
        {
            return null;
        }

        try
        {
            var text = kernel.Memory.ReadCString(pointer, 256, "taint_flag.desc");
            return text.Length == 0 ? null : text;
        }
        catch (NkdumpException)
        {
            return null;
        }
    }
}
