using Nkdump.Formats;

namespace Nkdump.Kernel.Memory;

/// <summary>Why a virtual address could not be turned into a physical one.</summary>
public enum TranslationFailureKind
{
    /// <summary>The address is not canonical for the paging mode (bits above the top level are not a sign extension).</summary>
    NotCanonical,

    /// <summary>A page-table entry on the walk has its present bit clear.</summary>
    NotPresent,

    /// <summary>A page-table page itself is not readable in the dump (excluded or not in the dump).</summary>
    TableUnreadable,

    /// <summary>No translation is known for this region (e.g. no page tables were found).</summary>
    NoPageTables,
}

/// <summary>
/// The reason a translation failed: the address, what went wrong, the page-table level
/// (5 = PML5, 4 = PGD/PML4, 3 = PUD, 2 = PMD, 1 = PTE) and the entry or table involved.
/// </summary>
public readonly record struct TranslationFailure(
    ulong VirtualAddress,
    TranslationFailureKind Kind,
    int Level,
    ulong Entry,
    PhysicalReadFailure Physical)
{
    public static string LevelName(int level) => level switch
    {
        5 => "PML5",
        4 => "PGD",
        3 => "PUD",
        2 => "PMD",
        1 => "PTE",
        _ => "page table",
    };

    public override string ToString() => Kind switch
    {
        TranslationFailureKind.NotCanonical => $"virtual address 0x{VirtualAddress:x}: not a canonical address",
        TranslationFailureKind.NotPresent => $"virtual address 0x{VirtualAddress:x}: not mapped ({LevelName(Level)} entry 0x{Entry:x} not present)",
        TranslationFailureKind.TableUnreadable => $"virtual address 0x{VirtualAddress:x}: its {LevelName(Level)} table is unreadable: {Physical}",
        _ => $"virtual address 0x{VirtualAddress:x}: no page tables to translate it",
    };
}

/// <summary>
/// Why a read of kernel virtual memory failed: either the address does not translate, or it
/// translates to a page the dump does not hold (the page state says which).
/// </summary>
public readonly record struct KernelReadFailure(ulong VirtualAddress, TranslationFailure? Translation, PhysicalReadFailure? Physical)
{
    /// <summary>The state of the unreadable page, when the address translated.</summary>
    public PageState? PageState => Physical?.State;

    public override string ToString() => Translation is { } t
        ? t.ToString()
        : $"virtual address 0x{VirtualAddress:x}: {Physical}";
}

/// <summary>A read of kernel virtual memory failed; the message names the address and the page's state.</summary>
internal sealed class KernelReadException : NkdumpException
{
    public KernelReadException(string what, KernelReadFailure failure)
        : base(what.Length == 0 ? $"cannot read {failure}" : $"cannot read {what}: {failure}")
    {
        Failure = failure;
    }

    public KernelReadFailure Failure { get; }
}
