using Nkdump.Formats;

namespace Nkdump.Setup.Files;

/// <summary>
/// Replaces a file so that a crash or a full disk never leaves it half-written: the new content
/// goes to a temporary file in the same directory, is flushed to disk, keeps the old file's mode,
/// and is renamed over the old one. Optionally the old content is kept as FILE.nkdump-bak first.
/// </summary>
public static class AtomicFile
{
    public const string BackupSuffix = ".nkdump-bak";

    public static void Write(string path, ReadOnlySpan<byte> content, bool backup = false, UnixFileMode? mode = null)
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
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temp, mode ?? existingMode ?? (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
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
