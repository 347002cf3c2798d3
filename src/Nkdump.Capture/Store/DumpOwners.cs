using System.Text.RegularExpressions;
using Nkdump.Capture.Targets;

namespace Nkdump.Capture.Store;

/// <summary>
/// Whose a dump on a shared network target is. The capture names its directory after its own
/// address toward the server (HOST-YYYY-MM-DD-HH:MM:SS; Debian's layout HOST-YYYYMMDDHHMM), as
/// kdump-utils does, so a host knows its dumps by its address toward the same server, or its host
/// name (a capture that could not find its route names the directory 127.0.0.1: counted as ours
/// too, as nobody else's can be told from it).
/// </summary>
public static partial class DumpOwners
{
    /// <summary>This machine's names on the network toward <paramref name="server"/>: its address on the route, its host name, 127.0.0.1.</summary>
    public static ISet<string> Own(string server, string hostName)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { SaveRunner.LocalHost };
        if (hostName.Length > 0)
        {
            names.Add(hostName);
        }

        string? address;
        try
        {
            address = RemoteAddress.LocalAddressToward(RemoteAddress.Resolve(server, ""));
        }
        catch (CaptureFailedException)
        {
            address = null; // the name does not resolve here: only the host name can match
        }

        if (address is not null)
        {
            names.Add(address);
        }

        return names;
    }

    /// <summary>The name's machine part (before the time), or null when it does not end in a capture's time.</summary>
    public static string? Owner(string id)
    {
        var match = Stamp().Match(id);
        return match.Success ? match.Groups["host"].Value : null;
    }

    public static bool IsOneOf(string id, ISet<string> names) => Owner(id) is { } owner && names.Contains(owner);

    [GeneratedRegex(@"^(?<host>.+)-(\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2}(-\d+)?|\d{12})$")]
    private static partial Regex Stamp();
}
