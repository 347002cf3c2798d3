using Nkdump.Collector.Pipeline;
using Nkdump.Formats;

namespace Nkdump.Collector.Output;

/// <summary>The pages an ELF dump holds, which its headers list before the first page is written.</summary>
internal static class ElfPages
{
    /// <summary>
    /// The kept pages the dump has (present, zero, or partial: written whole, the missing bytes as zeros). With <paramref name="dropZeroPages"/> (dump level
    /// bit 1: ELF has no shared zero page, so zero pages are left out, as makedumpfile -E does) the
    /// all-zero ones are dropped, which means reading every kept page once more.
    /// </summary>
    public static PfnBitmap Held(IPhysicalMemory memory, PfnBitmap kept, bool dropZeroPages)
    {
        var held = new PfnBitmap(kept.Bits);
        var page = new byte[memory.PageSize];
        for (var pfn = kept.NextSet(0); pfn < kept.Bits; pfn = kept.NextSet(pfn + 1))
        {
            var state = memory.GetPageState(pfn);
            if (state is not (PageState.Present or PageState.Zero or PageState.Partial))
            {
                continue;
            }

            if (dropZeroPages && (state == PageState.Zero
                || (memory.TryRead(pfn * (ulong)page.Length, page, out _) && ChunkEncoder.IsZero(page))))
            {
                continue;
            }

            held[pfn] = true;
        }

        return held;
    }
}
