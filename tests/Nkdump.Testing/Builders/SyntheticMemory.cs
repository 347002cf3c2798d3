using Nkdump.Formats;
using Nkdump.Formats.Notes;

namespace Nkdump.Testing.Builders;

/// <summary>
/// An in-memory physical memory for tests: pages by PFN with a state each. Built at random by
/// <see cref="Random(int, ulong)"/> (sparse ranges, excluded pages, zero pages, compressible and
/// incompressible contents), it is the reference that written-and-read-back dumps must equal.
/// </summary>
internal sealed class SyntheticMemory : IPhysicalMemory
{
    private readonly Dictionary<ulong, byte[]> _pages = [];
    private readonly HashSet<ulong> _excluded = [];

    public SyntheticMemory(ulong maxPfn, int pageSize = 4096)
    {
        MaxPfn = maxPfn;
        PageSize = pageSize;
    }

    public int PageSize { get; }

    public ulong MaxPfn { get; }

    public IReadOnlyList<PfnRange> Ranges => BuildRanges();

    /// <summary>Adds a page with these bytes (all zeros makes it a zero page).</summary>
    public void Add(ulong pfn, byte[] page) => _pages[pfn] = page;

    public void Exclude(ulong pfn) => _excluded.Add(pfn);

    public IReadOnlyDictionary<ulong, byte[]> Pages => _pages;

    public PageState GetPageState(ulong pfn) =>
        _excluded.Contains(pfn) ? PageState.Excluded
        : _pages.TryGetValue(pfn, out var page) ? (page.AsSpan().IndexOfAnyExcept((byte)0) < 0 ? PageState.Zero : PageState.Present)
        : PageState.NotInDump;

    public bool TryRead(ulong physicalAddress, Span<byte> destination, out PhysicalReadFailure failure)
    {
        var address = physicalAddress;
        while (!destination.IsEmpty)
        {
            var pfn = address / (ulong)PageSize;
            var inPage = (int)(address % (ulong)PageSize);
            var count = Math.Min(destination.Length, PageSize - inPage);
            var state = GetPageState(pfn);
            if (state is not (PageState.Present or PageState.Zero))
            {
                failure = new PhysicalReadFailure(address, state);
                return false;
            }

            _pages[pfn].AsSpan(inPage, count).CopyTo(destination);
            destination = destination[count..];
            address += (ulong)count;
        }

        failure = default;
        return true;
    }

    /// <summary>
    /// Random sparse memory: runs of memory separated by holes; inside, about 1 in 5 pages excluded,
    /// 1 in 8 all zeros, the rest half random bytes (incompressible) and half patterned (compressible).
    /// </summary>
    public static SyntheticMemory Random(int seed, ulong maxPfn, int pageSize = 4096)
    {
        var random = new Random(seed);
        var memory = new SyntheticMemory(maxPfn, pageSize);
        ulong pfn = (ulong)random.Next(0, 64);
        while (pfn < maxPfn)
        {
            var run = (ulong)random.Next(1, 300);
            for (var end = Math.Min(maxPfn, pfn + run); pfn < end; pfn++)
            {
                var kind = random.Next(40);
                if (kind < 8)
                {
                    memory.Add(pfn, new byte[pageSize]);
                    memory.Exclude(pfn);
                }
                else if (kind < 13)
                {
                    memory.Add(pfn, new byte[pageSize]);
                }
                else if (kind < 26)
                {
                    var page = new byte[pageSize];
                    random.NextBytes(page);
                    memory.Add(pfn, page);
                }
                else
                {
                    var page = new byte[pageSize];
                    var period = random.Next(1, 64);
                    for (var i = 0; i < pageSize; i++)
                    {
                        page[i] = (byte)((i % period) ^ (int)pfn);
                    }

                    page[random.Next(pageSize)] = (byte)random.Next(256);
                    memory.Add(pfn, page);
                }
            }

            pfn += (ulong)random.Next(0, 400);
        }

        return memory;
    }

    private List<PfnRange> BuildRanges()
    {
        var ranges = new List<PfnRange>();
        foreach (var pfn in _pages.Keys.Order())
        {
            if (ranges.Count > 0 && ranges[^1].EndPfn == pfn)
            {
                ranges[^1] = ranges[^1] with { EndPfn = pfn + 1 };
            }
            else
            {
                ranges.Add(new PfnRange(pfn, pfn + 1));
            }
        }

        return ranges;
    }
}

/// <summary>A whole dump around a <see cref="SyntheticMemory"/> (or any memory): notes with VMCOREINFO and two CPUs.</summary>
internal sealed class SyntheticDump(IPhysicalMemory memory, string osRelease = "6.1.0-test") : IKernelDump
{
    public string Path => "synthetic";

    public DumpFormat Format => DumpFormat.Elf;

    public IPhysicalMemory Memory => memory;

    public VmcoreInfo? VmcoreInfo => Nkdump.Formats.VmcoreInfo.Parse(VmcoreInfoBytes);

    public IReadOnlyList<CpuState> Cpus => CpuState.FromNotes(Notes);

    public IReadOnlyList<ElfNote> Notes =>
    [
        new ElfNote("CORE", ElfNote.NtPrstatus, Prstatus(1, 0xffffffff81000123)),
        new ElfNote("CORE", ElfNote.NtPrstatus, Prstatus(0, 0xffffffff81000456)),
        new ElfNote(ElfNote.VmcoreInfoName, 0, VmcoreInfoBytes),
    ];

    private byte[] VmcoreInfoBytes => System.Text.Encoding.ASCII.GetBytes($"OSRELEASE={osRelease}\nPAGESIZE={memory.PageSize}\nCRASHTIME=1700000000\nNUMBER(phys_base)=16777216\n");

    private static byte[] Prstatus(int pid, ulong rip)
    {
        var desc = new byte[CpuState.PrstatusSize];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(desc.AsSpan(32), pid);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(desc.AsSpan(112 + (16 * 8)), rip);
        return desc;
    }

    public void Dispose()
    {
    }
}
