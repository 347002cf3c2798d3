namespace Nkdump.Formats;

/// <summary>
/// The machine a dump comes from. nkdump decodes x86_64 only (its page tables, registers and
/// kernel layout); a dump of another machine is refused by name at open rather than decoded as if
/// it were x86_64, which would give wrong answers without any error.
/// </summary>
internal static class DumpMachine
{
    /// <summary>The machine nkdump reads, as uname(2) and the kdump header's utsname spell it.</summary>
    public const string Supported = "x86_64";

    /// <summary>
    /// The uname(2) name of an ELF64 e_machine value (include/uapi/linux/elf-em.h), or null for one
    /// Linux does not run on. <paramref name="littleEndian"/> tells ppc64le from ppc64.
    /// </summary>
    public static string? ElfMachineName(ushort machine, bool littleEndian) => machine switch
    {
        3 => "i386",
        8 => "mips64",
        21 => littleEndian ? "ppc64le" : "ppc64",
        22 => "s390x",
        40 => "arm",
        42 => "sh",
        43 => "sparc64",
        62 => Supported,
        183 => "aarch64",
        243 => "riscv64",
        258 => "loongarch64",
        _ => null,
    };

    /// <summary>The refusal: "<paramref name="what"/> are not supported: nkdump reads x86_64 dumps".</summary>
    public static DumpFormatException Unsupported(string path, long offset, string what) =>
        new(path, offset, $"{what} are not supported: nkdump reads {Supported} dumps");
}
