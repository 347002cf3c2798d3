using System.Text;
using Nkdump.Kernel;
using Nkdump.Kernel.Btf;
using Nkdump.Kernel.Printk;

namespace Nkdump.Analysis.Triage;

/// <summary>Facts about the crash read from kernel variables and the log: uname, panic line, taint.</summary>
public static class CrashFacts
{
    /// <summary>"Kernel panic - not syncing: " (kernel/panic.c) — the text after it is the reason.</summary>
    public const string PanicMarker = "Kernel panic - not syncing: ";

    // Oops-style first lines, for crashes that did not go through panic() with a message of their own.
    private static readonly string[] OopsMarkers = ["BUG: ", "Oops: ", "general protection fault", "kernel BUG at "];

    /// <summary>TAINT_* letters in bit order (kernel/panic.c taint_flags[]: P F S R M B U D A W C I O E L K X T N).</summary>
    public const string TaintLetters = "PFSRMBUDAWCIOELKXTN";

    /// <summary>The panic reason from the log: the last "Kernel panic - not syncing:" line, else the last oops line.</summary>
    public static string? PanicReason(KernelLog? log)
    {
        if (log is null)
        {
            return null;
        }

        string? oops = null;
        for (var i = log.Records.Count - 1; i >= 0; i--)
        {
            var text = Encoding.UTF8.GetString(log.Records[i].Text);
            var line = text.Split('\n')[0];
            var at = line.IndexOf(PanicMarker, StringComparison.Ordinal);
            if (at >= 0)
            {
                return line[(at + PanicMarker.Length)..].TrimEnd();
            }

            if (oops is null && OopsMarkers.Any(m => line.StartsWith(m, StringComparison.Ordinal)))
            {
                oops = line.TrimEnd();
            }
        }

        return oops;
    }

    /// <summary>tainted_mask, or null when unreadable.</summary>
    public static ulong? TaintMask(KernelContext kernel) =>
        kernel.Symbols is { } symbols && symbols.TryGetAddress("tainted_mask", out var address)
            && kernel.Memory.TryReadUInt64(address, out var mask, out _) ? mask : null;

    /// <summary>The set taint letters ("" when not tainted).</summary>
    public static string TaintString(ulong mask)
    {
        var text = new StringBuilder();
        for (var bit = 0; bit < TaintLetters.Length; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                text.Append(TaintLetters[bit]);
            }
        }

        return text.ToString();
    }

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
