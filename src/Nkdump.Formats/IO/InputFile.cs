using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Nkdump.Formats.IO;

/// <summary>
/// A file nkdump's configuration or a person named where a regular file is expected (kdump.conf,
/// hooks, keys, known_hosts, a VMCOREINFO file, /proc and /sys files), whatever it really is.
/// It is opened with O_NONBLOCK, so that a FIFO cannot block the open; fstat(2) on the open
/// descriptor then refuses anything but a regular file (a FIFO, a device such as /dev/zero or
/// /dev/urandom, a directory), naming the file and what it is; and a whole-file read takes at most
/// its limit plus one byte through that descriptor, so a file that grows, or lies about its size as
/// /proc files do, still cannot make nkdump read without end. Limits: <see cref="Limits.InputLimits"/>.
/// Failures are <see cref="IOException"/>s (missing: <see cref="FileNotFoundException"/>), which
/// every caller already handles as a file it cannot read.
/// </summary>
public static partial class InputFile
{
    private const int ORdOnly = 0, ONoctty = 0x100, ONonblock = 0x800, OCloexec = 0x80000; // x86_64
    private const int ENOENT = 2, ENOTDIR = 20;

    /// <summary>
    /// Opens <paramref name="path"/> for reading when it is a regular file (symbolic links followed);
    /// <paramref name="what"/> names it in messages ("kdump.conf", "the ssh key").
    /// </summary>
    public static FileStream OpenRegular(string path, string what)
    {
        var handle = Open(path, what);
        try
        {
            var status = UnixFileStatus.Of(handle, path);
            if (status.Kind != UnixFileKind.Regular)
            {
                throw new IOException($"{path}: {what} is {status.KindName}, not a regular file");
            }

            return new FileStream(handle, FileAccess.Read, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of the regular file <paramref name="path"/>, refused when it holds more than <paramref name="limit"/>.</summary>
    public static byte[] ReadAllBytes(string path, long limit, string what)
    {
        using var file = OpenRegular(path, what);
        var buffer = new byte[(int)Math.Min(limit + 1, 64 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > limit)
                {
                    throw new IOException($"{path}: {what} is too large: more than the {limit} bytes nkdump reads");
                }

                Array.Resize(ref buffer, (int)Math.Min(limit + 1, (long)buffer.Length * 2));
            }

            var read = file.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > limit)
        {
            throw new IOException($"{path}: {what} is too large: more than the {limit} bytes nkdump reads");
        }

        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>The regular file <paramref name="path"/> as UTF-8 text, at most <paramref name="limit"/> bytes.</summary>
    public static string ReadAllText(string path, long limit, string what) =>
        Encoding.UTF8.GetString(ReadAllBytes(path, limit, what));

    /// <summary>The lines of the regular file <paramref name="path"/> (as File.ReadLines splits them), at most <paramref name="limit"/> bytes in all.</summary>
    public static IReadOnlyList<string> ReadLines(string path, long limit, string what)
    {
        var lines = new List<string>();
        using var reader = new StringReader(ReadAllText(path, limit, what));
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>Like <see cref="ReadAllText"/>, but null when <paramref name="path"/> does not exist.</summary>
    public static string? TryReadAllText(string path, long limit, string what)
    {
        try
        {
            return ReadAllText(path, limit, what);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static SafeFileHandle Open(string path, string what)
    {
        var fd = OpenNative(path, ORdOnly | ONonblock | ONoctty | OCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"{path}: cannot open {what}: {Marshal.GetPInvokeErrorMessage(errno)}";
            throw errno is ENOENT or ENOTDIR ? new FileNotFoundException(message, path) : new IOException(message);
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);
}
