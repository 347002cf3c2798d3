namespace Nkdump.Capture;

/// <summary>
/// The file-system root the capture works under: "/" in the capture kernel, a directory in tests
/// (a fake /etc/kdump.conf, /proc/cmdline, /dev and /sys). Every absolute path the capture touches
/// goes through <see cref="Resolve"/>.
/// </summary>
public sealed record CaptureRoot(string Path)
{
    public static CaptureRoot Real { get; } = new("/");

    public bool IsSystem => Path == "/";

    /// <summary>The place of <paramref name="absolute"/> (taken as absolute even without a leading '/') under this root.</summary>
    public string Resolve(string absolute) =>
        IsSystem ? "/" + absolute.TrimStart('/') : global::System.IO.Path.Join(Path, absolute.TrimStart('/'));
}
