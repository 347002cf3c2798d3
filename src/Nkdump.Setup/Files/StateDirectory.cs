namespace Nkdump.Setup.Files;

/// <summary>
/// /var/lib/nkdump: the capture initramfs (with the ssh private key), its manifest, the install
/// manifest. Owner-only (0700): created so, and tightened when an older nkdump or a person left it open.
/// </summary>
internal static class StateDirectory
{
    public const string Path = "/var/lib/nkdump";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates ROOT/var/lib/nkdump 0700 (its parents as usual) or makes the existing one 0700; returns its real path.</summary>
    public static string Ensure(HostRoot root)
    {
        var real = root.Resolve(Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(real)!); // /var/lib as it is
        Directory.CreateDirectory(real, OwnerOnly);
        if (File.GetUnixFileMode(real) != OwnerOnly)
        {
            File.SetUnixFileMode(real, OwnerOnly);
        }

        return real;
    }
}
