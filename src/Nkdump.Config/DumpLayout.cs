namespace Nkdump.Config;

/// <summary>
/// nkdump's <c>dump_layout</c> directive: how the dump directory and its files are named, so that
/// administrators and their scripts find dumps where their distribution's kdump put them.
/// </summary>
public enum DumpLayout
{
    /// <summary>kdump-utils (Fedora, RHEL): <c>HOST-YYYY-MM-DD-HH:MM:SS/vmcore</c> and <c>vmcore-dmesg.txt</c>. The default.</summary>
    RedHat,

    /// <summary>kdump-tools (Debian, Ubuntu): <c>YYYYMMDDHHMM/dump.YYYYMMDDHHMM</c> and <c>dmesg.YYYYMMDDHHMM</c>. The Debian package's kdump.conf chooses it.</summary>
    Debian,
}

/// <summary>The directive's words.</summary>
public static class DumpLayoutNames
{
    public static string Of(DumpLayout layout) => layout == DumpLayout.Debian ? "debian" : "redhat";

    public static bool TryParse(string text, out DumpLayout layout)
    {
        (var ok, layout) = text switch
        {
            "debian" => (true, DumpLayout.Debian),
            "redhat" => (true, DumpLayout.RedHat),
            _ => (false, DumpLayout.RedHat),
        };
        return ok;
    }
}
