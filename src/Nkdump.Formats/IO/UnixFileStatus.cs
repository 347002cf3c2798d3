using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Nkdump.Formats.IO;

/// <summary>The kind of a file system object, from st_mode's S_IFMT bits.</summary>
public enum UnixFileKind
{
    Regular,
    Directory,
    Symlink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
    Unknown,
}

/// <summary>
/// What stat(2) says about a file that .NET does not: its kind (a FIFO, a device), owner and group.
/// Made through the raw system calls (x86_64 numbers), so that no particular glibc version is needed.
/// </summary>
public sealed partial record UnixFileStatus(UnixFileKind Kind, UnixFileMode Mode, uint OwnerId, uint GroupId, long Size)
{
    // struct stat on x86_64 (arch/x86/include/uapi/asm/stat.h): st_dev 0, st_ino 8, st_nlink 16 (8 bytes each),
    // st_mode 24, st_uid 28, st_gid 32 (4 bytes each), pad 36, st_rdev 40, st_size 48, … 144 bytes in all.
    private const int StatSize = 144;
    private const int ModeOffset = 24, UidOffset = 28, GidOffset = 32, SizeOffset = 48;
    private const long SysStat = 4, SysFstat = 5, SysLstat = 6;

    /// <summary>A human name for the kind, for messages ("a FIFO", "a character device").</summary>
    public string KindName => Kind switch
    {
        UnixFileKind.Regular => "a regular file",
        UnixFileKind.Directory => "a directory",
        UnixFileKind.Symlink => "a symbolic link",
        UnixFileKind.CharacterDevice => "a character device",
        UnixFileKind.BlockDevice => "a block device",
        UnixFileKind.Fifo => "a FIFO",
        UnixFileKind.Socket => "a socket",
        _ => "an unknown kind of file",
    };

    /// <summary>stat(2): the file <paramref name="path"/> names, symbolic links followed; null when it does not exist.</summary>
    public static UnixFileStatus? Stat(string path) => ByPath(SysStat, path);

    /// <summary>lstat(2): <paramref name="path"/> itself, a symbolic link reported as one; null when it does not exist.</summary>
    public static UnixFileStatus? Lstat(string path) => ByPath(SysLstat, path);

    /// <summary>fstat(2) on an open file.</summary>
    public static unsafe UnixFileStatus Of(SafeFileHandle handle, string path)
    {
        Span<byte> buffer = stackalloc byte[StatSize];
        long result;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* p = buffer)
            {
                result = Syscall(SysFstat, handle.DangerousGetHandle(), p);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{path}: fstat: {Marshal.GetPInvokeErrorMessage(errno)}");
        }

        return Decode(buffer);
    }

    private static unsafe UnixFileStatus? ByPath(long call, string path)
    {
        const int ENOENT = 2, ENOTDIR = 20;
        Span<byte> buffer = stackalloc byte[StatSize];
        var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        long result;
        fixed (byte* n = name)
        fixed (byte* p = buffer)
        {
            result = Syscall(call, (nint)n, p);
        }

        if (result == 0)
        {
            return Decode(buffer);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENOENT or ENOTDIR ? null : throw new IOException($"{path}: stat: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    private static UnixFileStatus Decode(ReadOnlySpan<byte> stat)
    {
        var mode = BinaryPrimitives.ReadUInt32LittleEndian(stat[ModeOffset..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => UnixFileKind.Regular,
            0x4000 => UnixFileKind.Directory,
            0xA000 => UnixFileKind.Symlink,
            0x2000 => UnixFileKind.CharacterDevice,
            0x6000 => UnixFileKind.BlockDevice,
            0x1000 => UnixFileKind.Fifo,
            0xC000 => UnixFileKind.Socket,
            _ => UnixFileKind.Unknown,
        };
        return new UnixFileStatus(
            kind,
            (UnixFileMode)(mode & 0xFFF),
            BinaryPrimitives.ReadUInt32LittleEndian(stat[UidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(stat[GidOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(stat[SizeOffset..]));
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, nint argument, byte* buffer);
}
