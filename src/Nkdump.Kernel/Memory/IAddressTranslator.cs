namespace Nkdump.Kernel.Memory;

/// <summary>
/// One mapping found for a virtual address: its physical address, and how many bytes from it stay
/// physically contiguous within the same mapping (to the end of the 4 KiB, 2 MiB or 1 GiB page,
/// or of a linear region). Callers read up to <see cref="ContiguousBytes"/> without translating again.
/// </summary>
public readonly record struct Translation(ulong PhysicalAddress, ulong ContiguousBytes);

/// <summary>Kernel virtual to physical address translation for one crashed kernel.</summary>
public interface IAddressTranslator
{
    bool TryTranslate(ulong virtualAddress, out Translation translation, out TranslationFailure failure);
}
