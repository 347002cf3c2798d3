namespace Nkdump.Setup.Initramfs;

/// <summary>What an initramfs entry is.</summary>
public enum InitramfsEntryKind
{
    Directory,
    File,
    Symlink,
    CharDevice,
}

/// <summary>
/// One entry of the capture initramfs: its path in the image and where its bytes come from — a
/// file (real path on this machine), literal content, or a symlink target.
/// </summary>
public sealed record InitramfsEntry(InitramfsEntryKind Kind, string Path, uint Permissions, string? Source = null, byte[]? Content = null, string? Target = null, uint Major = 0, uint Minor = 0)
{
    public static InitramfsEntry Dir(string path) => new(InitramfsEntryKind.Directory, path, 0x1ED);

    public static InitramfsEntry FromFile(string path, string source, uint permissions) => new(InitramfsEntryKind.File, path, permissions, Source: source);

    public static InitramfsEntry FromText(string path, string text, uint permissions = 0x1A4) =>
        new(InitramfsEntryKind.File, path, permissions, Content: System.Text.Encoding.UTF8.GetBytes(text));

    public static InitramfsEntry Link(string path, string target) => new(InitramfsEntryKind.Symlink, path, 0x1FF, Target: target);

    public static InitramfsEntry Device(string path, uint major, uint minor) => new(InitramfsEntryKind.CharDevice, path, 0x180 /* 0600 */, Major: major, Minor: minor);
}
