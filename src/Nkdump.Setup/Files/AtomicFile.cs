using Nkdump.Formats;

namespace Nkdump.Setup.Files;

/// <summary>
/// Replaces a file so that a crash or a full disk never leaves it half-written: the new content
/// goes to a temporary file in the same directory, is flushed to disk, keeps the old file's mode,
/// and is renamed over the old one. Optionally the old content is kept as FILE.nkdump-bak first.
/// The temporary is created new (O_EXCL: a name planted as a link is refused, not followed) and 0600
/// from its first moment, whatever the umask; its final mode is set through the open descriptor once
/// the content is on disk. The capture initramfs holds the ssh private key: it is never readable by
/// others, not even while it is being written.
/// </summary>
public static class AtomicFile
{
    public const string BackupSuffix = ".nkdump-bak";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DefaultMode = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public static void Write(string path, ReadOnlySpan<byte> content, bool backup = false, UnixFileMode? mode = null) =>
        Write(path, content, backup, mode, onTemporaryCreated: null);

    /// <param name="onTemporaryCreated">Called with the temporary file's path once it exists, before anything is written (tests look at its mode).</param>
    internal static void Write(string path, ReadOnlySpan<byte> content, bool backup, UnixFileMode? mode, Action<string>? onTemporaryCreated)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        if (!Directory.Exists(directory))
        {
            throw new NkdumpException($"cannot write {path}: directory {directory} does not exist");
        }

        var existingMode = File.Exists(path) ? File.GetUnixFileMode(path) : (UnixFileMode?)null;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.nkdump-tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = OwnerOnly,
            }))
            {
                onTemporaryCreated?.Invoke(temp);
                stream.Write(content);
                stream.Flush(flushToDisk: true);
                File.SetUnixFileMode(stream.SafeFileHandle, mode ?? existingMode ?? DefaultMode);
            }

            if (backup && existingMode is not null)
            {
                File.Copy(path, path + BackupSuffix, overwrite: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new NkdumpException($"cannot write {path}: {e.Message}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteText(string path, string content, bool backup = false, UnixFileMode? mode = null) =>
        Write(path, System.Text.Encoding.UTF8.GetBytes(content), backup, mode);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
