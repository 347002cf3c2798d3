namespace Nkdump.Formats.IO;

/// <summary>
/// Creates files that hold a dump's bytes. A crashed machine's memory holds keys and passwords, so
/// such a file is created mode 0600 whatever the umask (makedumpfile and kdump-utils do the same).
/// </summary>
public static class PrivateFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <paramref name="path"/> for reading and writing, mode 0600 when created; an existing file
    /// is truncated, or refused when <paramref name="overwrite"/> is false.
    /// </summary>
    public static FileStream Create(string path, int bufferSize = 1 << 16, bool overwrite = true) =>
        new(path, new FileStreamOptions
        {
            Mode = overwrite ? FileMode.Create : FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = bufferSize,
            UnixCreateMode = OwnerOnly,
        });
}
