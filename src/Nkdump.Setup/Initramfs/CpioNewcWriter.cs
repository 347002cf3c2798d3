using System.Text;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Initramfs;

/// <summary>
/// Writes the cpio "newc" format the kernel unpacks as an initramfs (the kernel's
/// Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte ASCII header —
/// "070701" then 13 eight-digit hex fields c_ino, c_mode, c_uid, c_gid, c_nlink, c_mtime,
/// c_filesize, c_devmajor, c_devminor, c_rdevmajor, c_rdevminor, c_namesize (with the NUL),
/// c_check — then the name and NUL padded to 4 bytes, then the data padded to 4 bytes; a
/// "TRAILER!!!" entry ends the archive. Deterministic: inodes count up from 1 in write order,
/// owner is root, every mtime is the same fixed value.
/// </summary>
internal sealed class CpioNewcWriter(Stream output, uint mtime = 0)
{
    private const int HeaderSize = 110;
    private const uint TypeDirectory = 0x4000, TypeRegular = 0x8000, TypeSymlink = 0xA000, TypeCharDevice = 0x2000;

    private uint _nextInode = 1;

    public void AddDirectory(string path, uint permissions = 0x1ED /* 0755 */) =>
        WriteHeader(path, TypeDirectory | permissions, 0, nlink: 2);

    public void AddSymlink(string path, string target)
    {
        var bytes = Encoding.UTF8.GetBytes(target);
        WriteHeader(path, TypeSymlink | 0x1FF /* 0777 */, (uint)bytes.Length);
        output.Write(bytes);
        Pad(bytes.Length);
    }

    public void AddCharDevice(string path, uint permissions, uint major, uint minor) =>
        WriteHeader(path, TypeCharDevice | permissions, 0, rdevMajor: major, rdevMinor: minor);

    public void AddFile(string path, ReadOnlySpan<byte> content, uint permissions = 0x1A4 /* 0644 */)
    {
        WriteHeader(path, TypeRegular | permissions, (uint)content.Length);
        output.Write(content);
        Pad(content.Length);
    }

    /// <summary>Streams a regular file from disk (never a FIFO or a device); its size is checked against <see cref="InputLimits.InitramfsInput"/>, within newc's 32-bit size field.</summary>
    public void AddFile(string path, string source, uint permissions)
    {
        using var input = InputFile.OpenRegular(source, "an input of the capture initramfs");
        if (input.Length > InputLimits.InitramfsInput)
        {
            throw new IOException($"{source}: {input.Length} bytes is too large for the capture initramfs (limit {InputLimits.InitramfsInput})");
        }

        var length = (uint)input.Length;
        WriteHeader(path, TypeRegular | permissions, length);

        // Exactly the size the header announced, even if the file grows meanwhile.
        var buffer = new byte[81920];
        long left = length;
        while (left > 0)
        {
            var read = input.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                throw new IOException($"{source} shrank while it was being copied");
            }

            output.Write(buffer, 0, read);
            left -= read;
        }

        Pad((int)(length % 4));
    }

    /// <summary>Writes the trailer; the stream is left open.</summary>
    public void Finish() => WriteHeader("TRAILER!!!", 0, 0, nlink: 1, inode: 0);

    private void WriteHeader(string path, uint mode, uint size, uint nlink = 1, uint rdevMajor = 0, uint rdevMinor = 0, uint? inode = null)
    {
        var name = Encoding.UTF8.GetBytes(path.TrimStart('/'));
        if (name.Length == 0 || name.Length > 4095)
        {
            throw new ArgumentException($"cpio name '{path}' is empty or too long", nameof(path));
        }

        var header = new StringBuilder(HeaderSize, HeaderSize);
        header.Append("070701");
        foreach (var field in new[] { inode ?? _nextInode++, mode, 0u, 0u, nlink, mtime, size, 0u, 0u, rdevMajor, rdevMinor, (uint)name.Length + 1, 0u })
        {
            header.Append(field.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }

        output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        output.Write(name);
        output.WriteByte(0);
        Pad(HeaderSize + name.Length + 1);
    }

    private void Pad(int written)
    {
        Span<byte> zeros = stackalloc byte[3];
        zeros.Clear();
        var pad = (4 - (written % 4)) % 4;
        output.Write(zeros[..pad]);
    }
}
