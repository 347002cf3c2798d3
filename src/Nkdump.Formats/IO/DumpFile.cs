using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Nkdump.Formats.IO;

/// <summary>
/// Creates every file that holds a dump's bytes (dumps, split parts, reassembled and converted
/// files, temporaries, the kernel log): one open(2), so that no caller can get it wrong.
/// <list type="bullet">
/// <item>Mode 0600 from the start, whatever the umask: a crashed machine's memory holds keys and
/// passwords (makedumpfile and kdump-utils do the same). No window with a wider mode, no chmod.</item>
/// <item>O_NOFOLLOW: a symbolic link planted at the path is refused, never written through (dump
/// directories are often writable by others, and the writer is root).</item>
/// <item>O_EXCL unless <c>overwrite</c> (makedumpfile's -f): an existing file is not replaced
/// silently. A file that is replaced keeps its inode and mode, as makedumpfile's O_TRUNC does.</item>
/// </list>
/// Failures are <see cref="NkdumpException"/>s that name the path: not IOExceptions, which callers
/// read as a failed write of the dump.
/// </summary>
public static partial class DumpFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Creates <paramref name="path"/> for reading and writing. <paramref name="bufferSize"/> 0 gives an
    /// unbuffered stream (each write one pwrite: what the dump writers, which buffer themselves, want).
    /// </summary>
    /// <param name="overwrite">Replace (truncate) an existing file; without it an existing file is an error.</param>
    public static FileStream Create(string path, bool overwrite, int bufferSize = 0) =>
        new(OpenHandle(path, overwrite), FileAccess.ReadWrite, bufferSize);

    /// <summary>As <see cref="Create"/>, the handle alone.</summary>
    public static SafeFileHandle OpenHandle(string path, bool overwrite)
    {
        var flags = ReadWrite | CreateFile | NoFollow | CloseOnExec | (overwrite ? Truncate : Exclusive);
        var fd = Open(path, flags, (uint)OwnerOnly);
        if (fd < 0)
        {
            throw Refused(path, Marshal.GetLastPInvokeError(), overwrite);
        }

        return new SafeFileHandle((IntPtr)fd, ownsHandle: true);
    }

    private static NkdumpException Refused(string path, int errno, bool overwrite)
    {
        const int EEXIST = 17, ELOOP = 40;
        if (errno is ELOOP or EEXIST && IsSymbolicLink(path))
        {
            return new NkdumpException($"{path}: is a symbolic link; a dump is never written through one (remove it, or choose another path)");
        }

        if (errno == EEXIST && !overwrite)
        {
            return new NkdumpException($"{path}: file exists (use the force option to overwrite: -f for collect, --force for convert and reassemble)");
        }

        return new NkdumpException($"{path}: cannot create: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static bool IsSymbolicLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // open(2) flags: the same numbers on x86_64 and most architectures; arm64 numbers O_NOFOLLOW differently.
    private const int ReadWrite = 0x2; // O_RDWR
    private const int CreateFile = 0x40; // O_CREAT
    private const int Exclusive = 0x80; // O_EXCL
    private const int Truncate = 0x200; // O_TRUNC
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    private static int NoFollow => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000; // O_NOFOLLOW

    // int open(const char *pathname, int flags, mode_t mode);
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, uint mode);
}
