using System.Globalization;

namespace Nkdump.Capture;

/// <summary>
/// The directory a capture writes into: "&lt;host or IP&gt;-&lt;YYYY-MM-DD-HH:MM:SS&gt;", as kdump-utils
/// names it, so that admins and their scripts find dumps where they always did.
/// </summary>
internal static class DumpDirectoryName
{
    public static string For(string hostOrAddress, DateTime localTime) =>
        $"{Checked(hostOrAddress)}-{localTime.ToString("yyyy-MM-dd-HH:mm:ss", CultureInfo.InvariantCulture)}";

    /// <summary>The host or address, refused when it could name another directory.</summary>
    public static string Checked(string hostOrAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostOrAddress);
        if (hostOrAddress.Contains('/') || hostOrAddress is "." or "..")
        {
            throw new ArgumentException($"not a host name or address: '{hostOrAddress}'", nameof(hostOrAddress));
        }

        return hostOrAddress;
    }
}
