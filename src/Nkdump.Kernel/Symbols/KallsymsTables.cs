using Nkdump.Formats;

namespace Nkdump.Kernel.Symbols;

/// <summary>
/// Where a kernel's kallsyms tables are (virtual addresses). Exactly one of <see cref="Offsets"/>
/// (with or without <see cref="RelativeBase"/>) and <see cref="Addresses"/> is set.
/// </summary>
internal sealed record KallsymsTables(
    ulong NumSyms,
    ulong Names,
    ulong TokenTable,
    ulong TokenIndex,
    ulong? Offsets,
    ulong? RelativeBase,
    ulong? Addresses,
    string Source)
{
    /// <summary>kallsyms_markers, when known (bounds the names).</summary>
    public ulong? Markers { get; init; }

    /// <summary>The tables VMCOREINFO names (6.0+, commit 5fd8fea935a1), or null when it names none.</summary>
    public static KallsymsTables? FromVmcoreInfo(VmcoreInfo info)
    {
        if (info.Symbol("kallsyms_names") is not { } names || info.Symbol("kallsyms_num_syms") is not { } numSyms ||
            info.Symbol("kallsyms_token_table") is not { } tokenTable || info.Symbol("kallsyms_token_index") is not { } tokenIndex)
        {
            return null;
        }

        var offsets = info.Symbol("kallsyms_offsets");
        var addresses = info.Symbol("kallsyms_addresses");
        return offsets is null && addresses is null
            ? null
            : new KallsymsTables(numSyms, names, tokenTable, tokenIndex, offsets, info.Symbol("kallsyms_relative_base"), addresses, "VMCOREINFO");
    }
}
