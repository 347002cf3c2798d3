namespace Nkdump.Kernel.Symbols;

/// <summary>
/// How a kernel's kallsyms tables store symbol addresses. Four ways so far (kernel/kallsyms.c,
/// scripts/kallsyms.c):
/// </summary>
internal enum KallsymsAddressEncoding
{
    /// <summary>kallsyms_addresses[]: one absolute unsigned long per symbol (CONFIG_KALLSYMS_BASE_RELATIVE=n; before 4.6 always, option removed in 6.11).</summary>
    Absolute,

    /// <summary>
    /// kallsyms_offsets[] (s32) and kallsyms_relative_base with CONFIG_KALLSYMS_ABSOLUTE_PERCPU
    /// (x86_64 SMP, 4.6 to 6.14): an offset &gt;= 0 is an absolute value (per-cpu symbols), a
    /// negative one means relative_base - 1 - offset.
    /// </summary>
    AbsolutePercpu,

    /// <summary>kallsyms_offsets[] (u32) added to kallsyms_relative_base (4.6+, commit 2213e9a66bb8; x86_64 since ABSOLUTE_PERCPU went away in 6.15).</summary>
    RelativeBase,

    /// <summary>
    /// kallsyms_offsets[i] (s32) relative to its own address, no relative base (7.0, commit a081b5789255
    /// "kallsyms: Get rid of kallsyms relative base").
    /// </summary>
    PlaceRelative,
}
