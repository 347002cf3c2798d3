using Nkdump.Formats.Kdump;

namespace Nkdump.Formats.Writing;

/// <summary>
/// The header values makedumpfile writes: utsname (six fields), timestamp, phys_base, dump level.
/// A plain record the writers take; working them out of a dump's kernel is the kernel layer's job
/// (Nkdump.Kernel's KernelSession.KdumpHeaderFacts()).
/// </summary>
public sealed record KdumpHeaderFacts(IReadOnlyList<string> Utsname, long TimestampSeconds, ulong PhysBase, int DumpLevel)
{
    /// <summary>The values of an existing kdump-compressed header, to carry them over unchanged.</summary>
    public static KdumpHeaderFacts From(KdumpHeader header) =>
        new(header.Utsname, header.TimestampSeconds, header.PhysBase, header.DumpLevel);
}
