using Nkdump.Kernel;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Crash;
using Nkdump.Kernel.Printk;

namespace Nkdump.Analysis.Triage;

/// <summary>Facts about the crash read from kernel variables and the log: uname, panic line, taint.</summary>
public static class CrashFacts
{
    /// <summary>
    /// The panic reason: the record the kernel layer's <see cref="PanicReason"/> says started the
    /// crash (the Oops/BUG before a "Fatal exception" panic, else the panic line), first line only,
    /// with the "Kernel panic - not syncing: " prefix removed.
    /// </summary>
    public static string? PanicReasonText(KernelLog? log)
    {
        if (log is null || PanicReason.Find(log.Records) is not { } record)
        {
            return null;
        }

        var line = PanicReason.FirstLine(record).TrimEnd();
        return line.StartsWith(PanicReason.PanicMarker, StringComparison.Ordinal) ? line[PanicReason.PanicMarker.Length..].Trim() : line;
    }

    /// <summary>tainted_mask, or null when unreadable.</summary>
    public static ulong? TaintMask(KernelContext kernel) =>
        kernel.Symbols is { } symbols && symbols.TryGetAddress("tainted_mask", out var address)
            && kernel.Memory.TryReadUInt64(address, out var mask, out _) ? mask : null;

    /// <summary>The set taint letters ("" when not tainted), as the kernel layer spells them.</summary>
    public static string TaintString(ulong mask) => TaintFlags.Letters(mask);

    /// <summary>
    /// init_uts_ns.name (struct new_utsname: sysname, nodename, release, version, machine,
    /// domainname, each char[65]) through BTF; null fields when unreadable.
    /// </summary>
    public static (string? Release, string? Version, string? Machine, string? NodeName) Uname(KernelContext kernel, BtfTypes? btf)
    {
        var release = kernel.VmcoreInfo.OsRelease;
        if (btf is null || kernel.Symbols is not { } symbols || !symbols.TryGetAddress("init_uts_ns", out var uts)
            || btf.FindPath("uts_namespace.name") is not { } name)
        {
            return (release, null, null, null);
        }

        string? Field(string member)
        {
            if (btf.FindPath(name.Type, [member]) is not { } field)
            {
                return null;
            }

            try
            {
                return kernel.Memory.ReadCString(uts + (ulong)name.ByteOffset + (ulong)field.ByteOffset, 65);
            }
            catch (Nkdump.Formats.NkdumpException)
            {
                return null;
            }
        }

        return (Field("release") ?? release, Field("version"), Field("machine"), Field("nodename"));
    }
}
