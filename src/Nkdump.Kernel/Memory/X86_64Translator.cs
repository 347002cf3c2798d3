using Nkdump.Formats;
using static Nkdump.Kernel.Memory.X86_64Constants;

namespace Nkdump.Kernel.Memory;

/// <summary>
/// x86_64 translation: the two linear regions by arithmetic (the kernel text map at
/// __START_KERNEL_map, shifted by phys_base; the direct map at page_offset_base), everything else
/// (vmalloc, vmemmap, modules, per-cpu, fixmap) by walking the page tables.
/// </summary>
public sealed class X86_64Translator : IAddressTranslator
{
    private readonly ulong _directMapSize;

    public X86_64Translator(IPhysicalMemory memory, X86_64Layout layout, bool useLinearRegions = true)
    {
        Layout = layout;
        Walker = new X86_64PageTableWalker(memory, layout.TopTablePhysicalAddress, layout.FiveLevel, layout.SmeMask);
        UseLinearRegions = useLinearRegions;
        // A default page_offset_base on a KASLR kernel is a guess (CONFIG_RANDOMIZE_MEMORY moves it):
        // then let the page tables answer for the direct map too.
        var trustDirectMap = layout.PageOffsetBaseSource != LayoutSource.Default || layout.KernelOffset == 0;
        _directMapSize = trustDirectMap ? memory.MaxPfn * (ulong)memory.PageSize : 0;
    }

    public X86_64Layout Layout { get; }

    public X86_64PageTableWalker Walker { get; }

    /// <summary>False to translate everything through the page tables (for checking the fast paths).</summary>
    public bool UseLinearRegions { get; }

    public bool TryTranslate(ulong virtualAddress, out Translation translation, out TranslationFailure failure)
    {
        if (UseLinearRegions)
        {
            var inText = virtualAddress - StartKernelMap;
            if (inText < Layout.KernelImageSize)
            {
                translation = new Translation(Layout.TextToPhysical(virtualAddress), Layout.KernelImageSize - inText);
                failure = default;
                return true;
            }

            var inDirect = virtualAddress - Layout.PageOffsetBase;
            if (inDirect < _directMapSize)
            {
                translation = new Translation(inDirect, _directMapSize - inDirect);
                failure = default;
                return true;
            }
        }

        return Walker.TryTranslate(virtualAddress, out translation, out failure);
    }

    /// <summary>
    /// Translates consecutive pages from the page of <paramref name="virtualAddress"/> (one physical
    /// address per page, <see cref="ulong.MaxValue"/> where a page does not translate): the batch form
    /// a struct page reader wants for a vmemmap run. Returns how many translated.
    /// </summary>
    public int TranslatePages(ulong virtualAddress, Span<ulong> physicalAddresses)
    {
        var translated = 0;
        var page = virtualAddress & ~(Size4K - 1);
        for (var i = 0; i < physicalAddresses.Length; i++, page += Size4K)
        {
            physicalAddresses[i] = TryTranslate(page, out var t, out _) ? t.PhysicalAddress : ulong.MaxValue;
            translated += physicalAddresses[i] == ulong.MaxValue ? 0 : 1;
        }

        return translated;
    }
}
