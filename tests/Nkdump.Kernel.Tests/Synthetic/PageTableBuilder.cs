namespace Nkdump.Kernel.Tests.Synthetic;

/// <summary>
/// Builds x86_64 page tables inside a <see cref="SparsePhysicalMemory"/>: a top table at a chosen
/// physical address, then 4 KiB, 2 MiB and 1 GiB mappings; table pages come from a bump allocator.
/// </summary>
internal sealed class PageTableBuilder
{
    private const ulong Present = 1, Writable = 2, LargePage = 0x80;

    private readonly SparsePhysicalMemory _memory;
    private ulong _nextTable;

    public PageTableBuilder(SparsePhysicalMemory memory, ulong topTable, ulong tableArea, bool fiveLevel)
    {
        _memory = memory;
        TopTable = topTable;
        _nextTable = tableArea;
        FiveLevel = fiveLevel;
        _memory.Page(topTable >> 12);
    }

    public ulong TopTable { get; }

    public bool FiveLevel { get; }

    /// <summary>The physical address of the table at <paramref name="level"/> on the walk for <paramref name="va"/> (creating tables).</summary>
    public ulong TableFor(ulong va, int level)
    {
        var table = TopTable;
        for (var l = FiveLevel ? 5 : 4; l > level; l--)
        {
            table = NextTable(table, Index(va, l));
        }

        return table;
    }

    public static int Index(ulong va, int level) => (int)((va >> (12 + (9 * (level - 1)))) & 511);

    public ulong EntryAddress(ulong va, int level) => TableFor(va, level) + ((ulong)Index(va, level) * 8);

    public void Map4K(ulong va, ulong pa) => _memory.WriteUInt64(EntryAddress(va, 1), pa | Present | Writable);

    public void Map2M(ulong va, ulong pa) => _memory.WriteUInt64(EntryAddress(va, 2), pa | Present | Writable | LargePage);

    public void Map1G(ulong va, ulong pa) => _memory.WriteUInt64(EntryAddress(va, 3), pa | Present | Writable | LargePage);

    private ulong NextTable(ulong table, int index)
    {
        var entryAddress = table + ((ulong)index * 8);
        var entry = BitConverter.ToUInt64(_memory.Page(entryAddress >> 12), (int)(entryAddress & 4095));
        if ((entry & Present) != 0)
        {
            return entry & 0x000ffffffffff000;
        }

        var next = _nextTable;
        _nextTable += 4096;
        _memory.Page(next >> 12);
        _memory.WriteUInt64(entryAddress, next | Present | Writable);
        return next;
    }
}
