using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Nkdump.Capture.Machine;

/// <summary>The libc calls the capture needs and .NET does not offer: mount, reboot, sync, fsync of a directory, statvfs, mkdir that fails when the directory exists.</summary>
internal static partial class NativeCalls
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // x86_64
    private const int OCloexec = 0x80000;

    // struct statvfs (glibc, x86_64): unsigned long f_bsize; unsigned long f_frsize; fsblkcnt_t f_blocks;
    // fsblkcnt_t f_bfree; fsblkcnt_t f_bavail; fsfilcnt_t f_files, f_ffree, f_favail; unsigned long f_fsid,
    // f_flag, f_namemax; int __f_spare[6];  — 112 bytes.
    private const int StatVfsSize = 112;
    private const int FrSizeOffset = 8;
    private const int BAvailOffset = 32;

    public static void Mount(string source, string target, string type, string? data)
    {
        if (MountNative(source, target, type, 0, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mount -t {type} {source} {target}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    /// <summary>reboot(2) with a LINUX_REBOOT_CMD_* value, after sync(2): returns only when the kernel refused.</summary>
    public static string Reboot(int command)
    {
        SyncNative();
        RebootNative(command);
        var errno = Marshal.GetLastPInvokeError();
        return $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
    }

    /// <summary>fsync(2) on a directory, so that a rename in it is on disk.</summary>
    public static void SyncDirectory(string path)
    {
        var fd = OpenNative(path, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: cannot open the directory: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        try
        {
            if (FsyncNative(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"{path}: fsync: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            _ = CloseNative(fd);
        }
    }

    /// <summary>
    /// mkdir(2) with <paramref name="mode"/>: true when the directory was created, false when
    /// <paramref name="path"/> exists already (as anything, a symbolic link included: mkdir never follows one).
    /// </summary>
    public static bool MakeDirectory(string path, UnixFileMode mode)
    {
        const int EEXIST = 17;
        if (MkdirNative(path, (uint)mode) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EEXIST ? false : throw new IOException($"cannot create {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>The bytes an unprivileged writer may still use on the file system holding <paramref name="path"/>.</summary>
    public static unsafe long AvailableBytes(string path)
    {
        Span<byte> buffer = stackalloc byte[StatVfsSize + 16];
        fixed (byte* p = buffer)
        {
            if (StatVfsNative(path, p) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"{path}: statvfs: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }

        var fragment = BinaryPrimitives.ReadUInt64LittleEndian(buffer[FrSizeOffset..]);
        var available = BinaryPrimitives.ReadUInt64LittleEndian(buffer[BAvailOffset..]);
        var bytes = (UInt128)fragment * available;
        return bytes > long.MaxValue ? long.MaxValue : (long)bytes;
    }

    /// <summary>
    /// The kernel's log buffer through syslog(2) (SYSLOG_ACTION_SIZE_BUFFER 10, SYSLOG_ACTION_READ_ALL 3),
    /// each line's "&lt;level&gt;" prefix removed, as dmesg prints it; "" when the kernel refuses.
    /// </summary>
    public static unsafe string ReadKernelLog()
    {
        const int ActionReadAll = 3;
        const int ActionSizeBuffer = 10;
        const int MaxLog = 64 << 20; // CONFIG_LOG_BUF_SHIFT is at most 25 (32 MiB)
        var size = KlogctlNative(ActionSizeBuffer, null, 0);
        if (size <= 0 || size > MaxLog)
        {
            return "";
        }

        var buffer = new byte[size];
        int read;
        fixed (byte* p = buffer)
        {
            read = KlogctlNative(ActionReadAll, p, size);
        }

        if (read <= 0)
        {
            return "";
        }

        var text = new global::System.Text.StringBuilder(read);
        foreach (var line in global::System.Text.Encoding.UTF8.GetString(buffer, 0, read).Split('\n'))
        {
            var start = line.StartsWith('<') && line.IndexOf('>') is var end and > 0 and < 6 ? end + 1 : 0;
            if (line.Length > 0)
            {
                text.Append(line, start, line.Length - start).Append('\n');
            }
        }

        return text.ToString();
    }

    [LibraryImport("libc", EntryPoint = "klogctl", SetLastError = true)]
    private static unsafe partial int KlogctlNative(int type, byte* buffer, int length);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountNative(string source, string target, string type, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "reboot", SetLastError = true)]
    private static partial int RebootNative(int command);

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void SyncNative();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int fd);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkdirNative(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatVfsNative(string path, byte* buffer);
}
