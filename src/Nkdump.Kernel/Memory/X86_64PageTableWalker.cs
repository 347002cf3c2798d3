using System.Buffers.Binary;
using Nkdump.Formats;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel.Memory;

/// <summary>
/// Walks the x86_64 page tables of a crashed kernel, 4-level (PGD, PUD, PMD, PTE) or 5-level
/// (PML5 first; 4.14+ with CONFIG_X86_5LEVEL and la57 hardware), from the physical address of the
/// top table (init_top_pgt). Handles 1 GiB pages (PS bit in a PUD entry) and 2 MiB pages (PS bit
/// in a PMD entry). Table pages are cached (a small direct-mapped cache), so translating many
/// addresses in one region — struct pages through vmemmap, a vmalloc'd buffer — costs one table
/// read per table, not per address. Not thread-safe: give each worker its own walker.
/// </summary>
public sealed class X86_64PageTableWalker : IAddressTranslator
{
    private const int CacheSlotBits = 6;
    private const int CacheSlots = 1 << CacheSlotBits;
    private const int EntriesPerTable = 512;

    private readonly IPhysicalMemory _memory;
    private readonly ulong _addressMask;
    private readonly ulong[][] _tables = new ulong[CacheSlots][];
    private readonly ulong[] _tableAddress = new ulong[CacheSlots];
    private readonly byte[] _pageBuffer = new byte[EntriesPerTable * 8];

    // The last leaf mapping found: sequential reads in one page (or large page) skip the walk.
    private ulong _lastVirtualBase = 1;
    private ulong _lastPhysicalBase;
    private ulong _lastSize;

    /// <param name="memory">The crashed machine's physical memory.</param>
    /// <param name="topTablePhysicalAddress">Physical address of init_top_pgt (PML4, or PML5 with 5-level paging).</param>
    /// <param name="fiveLevel">Whether the kernel ran with 5-level paging (NUMBER(pgtable_l5_enabled)).</param>
    /// <param name="smeMask">AMD SME's encryption bit in entries (NUMBER(sme_mask)); cleared from table addresses.</param>
    public X86_64PageTableWalker(IPhysicalMemory memory, ulong topTablePhysicalAddress, bool fiveLevel, ulong smeMask = 0)
    {
        _memory = memory;
        TopTablePhysicalAddress = topTablePhysicalAddress & ~(Size4K - 1);
        FiveLevel = fiveLevel;
        _addressMask = EntryAddressMask & ~smeMask;
        for (var i = 0; i < CacheSlots; i++)
        {
            _tableAddress[i] = ulong.MaxValue;
        }
    }

    public ulong TopTablePhysicalAddress { get; }

    public bool FiveLevel { get; }

    /// <summary>Whether <paramref name="virtualAddress"/> is canonical: the bits above the top level repeat the top bit.</summary>
    public bool IsCanonical(ulong virtualAddress)
    {
        var shift = FiveLevel ? 56 : 47;
        var top = (long)virtualAddress >> shift;
        return top is 0 or -1;
    }

    public bool TryTranslate(ulong virtualAddress, out Translation translation, out TranslationFailure failure)
    {
        var offsetInLast = virtualAddress - _lastVirtualBase;
        if (offsetInLast < _lastSize)
        {
            translation = new Translation(_lastPhysicalBase + offsetInLast, _lastSize - offsetInLast);
            failure = default;
            return true;
        }

        if (!IsCanonical(virtualAddress))
        {
            translation = default;
            failure = new TranslationFailure(virtualAddress, TranslationFailureKind.NotCanonical, FiveLevel ? 5 : 4, 0, default);
            return false;
        }

        var table = TopTablePhysicalAddress;
        for (var level = FiveLevel ? 5 : 4; level >= 1; level--)
        {
            // Level n indexes bits [12 + 9(n-1), 12 + 9n) of the address.
            var shift = 12 + (9 * (level - 1));
            var index = (int)((virtualAddress >> shift) & (EntriesPerTable - 1));
            if (!TryGetTable(table, out var entries, out var physical))
            {
                translation = default;
                failure = new TranslationFailure(virtualAddress, TranslationFailureKind.TableUnreadable, level, table, physical);
                return false;
            }

            var entry = entries[index];
            if ((entry & EntryPresent) == 0)
            {
                translation = default;
                failure = new TranslationFailure(virtualAddress, TranslationFailureKind.NotPresent, level, entry, default);
                return false;
            }

            // PS in a PUD (level 3) or PMD (level 2) entry: the entry maps a 1 GiB or 2 MiB page.
            if (level == 1 || (level <= 3 && (entry & EntryLargePage) != 0))
            {
                var size = 1UL << shift;
                var physicalBase = entry & _addressMask & ~(size - 1);
                var offset = virtualAddress & (size - 1);
                _lastVirtualBase = virtualAddress - offset;
                _lastPhysicalBase = physicalBase;
                _lastSize = size;
                translation = new Translation(physicalBase + offset, size - offset);
                failure = default;
                return true;
            }

            table = entry & _addressMask;
        }

        throw new InvalidOperationException("unreachable: the PTE level always ends the walk");
    }

    /// <summary>
    /// Translates <paramref name="count"/> consecutive pages starting at the page of
    /// <paramref name="virtualAddress"/> into <paramref name="physicalAddresses"/> (one per page;
    /// <see cref="ulong.MaxValue"/> for a page that does not translate). Returns how many translated.
    /// </summary>
    public int TranslatePages(ulong virtualAddress, Span<ulong> physicalAddresses)
    {
        var translated = 0;
        var page = virtualAddress & ~(Size4K - 1);
        for (var i = 0; i < physicalAddresses.Length; i++, page += Size4K)
        {
            if (TryTranslate(page, out var t, out _))
            {
                physicalAddresses[i] = t.PhysicalAddress;
                translated++;
            }
            else
            {
                physicalAddresses[i] = ulong.MaxValue;
            }
        }

        return translated;
    }

    private bool TryGetTable(ulong physicalAddress, out ulong[] entries, out PhysicalReadFailure failure)
    {
        // Fibonacci hashing spreads table pages that sit at regular strides (a bump allocator's) over the slots.
        var slot = (int)(((physicalAddress >> 12) * 0x9E3779B97F4A7C15UL) >> (64 - CacheSlotBits));
        if (_tableAddress[slot] == physicalAddress)
        {
            entries = _tables[slot];
            failure = default;
            return true;
        }

        if (!_memory.TryRead(physicalAddress, _pageBuffer, out failure))
        {
            entries = [];
            return false;
        }

        entries = _tables[slot] ??= new ulong[EntriesPerTable];
        for (var i = 0; i < EntriesPerTable; i++)
        {
            entries[i] = BinaryPrimitives.ReadUInt64LittleEndian(_pageBuffer.AsSpan(i * 8));
        }

        _tableAddress[slot] = physicalAddress;
        return true;
    }
}
