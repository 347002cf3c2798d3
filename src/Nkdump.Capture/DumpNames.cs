using System.Globalization;
using Nkdump.Config;

namespace Nkdump.Capture;

/// <summary>
/// The names of one dump's directory and files under kdump.conf's <c>dump_layout</c>:
/// redhat (kdump-utils) "HOST-YYYY-MM-DD-HH:MM:SS" with vmcore and vmcore-dmesg.txt; debian
/// (kdump-tools) "YYYYMMDDHHMM" with dump.YYYYMMDDHHMM and dmesg.YYYYMMDDHHMM — kdump-tools puts
/// "HOST-" in front on network targets, where several machines share the directory, and so does
/// nkdump. Each file is written under its "-incomplete" name first and renamed when complete.
/// </summary>
internal sealed record DumpNames(string Directory, string Vmcore, string VmcoreIncomplete, string Dmesg, string DmesgIncomplete)
{
    public static DumpNames RedHat(string hostOrAddress, DateTime localTime) =>
        new(DumpDirectoryName.For(hostOrAddress, localTime), "vmcore", "vmcore-incomplete", "vmcore-dmesg.txt", "vmcore-dmesg-incomplete.txt");

    /// <param name="hostOrAddress">Put in front of the directory's name on a network target; null on a local one.</param>
    public static DumpNames Debian(string? hostOrAddress, DateTime localTime)
    {
        var stamp = localTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        var directory = hostOrAddress is null ? stamp : DumpDirectoryName.Checked(hostOrAddress) + "-" + stamp;
        return new(directory, $"dump.{stamp}", "dump-incomplete", $"dmesg.{stamp}", "dmesg-incomplete");
    }

    /// <param name="network">The target is shared by machines (NFS, ssh): Debian's names get the host in front.</param>
    public static DumpNames For(DumpLayout layout, string hostOrAddress, DateTime localTime, bool network) =>
        layout == DumpLayout.Debian ? Debian(network ? hostOrAddress : null, localTime) : RedHat(hostOrAddress, localTime);
}
