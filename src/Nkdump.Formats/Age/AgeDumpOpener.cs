using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Flattened;
using Nkdump.Formats.IO;
using Nkdump.Formats.Kdump;

namespace Nkdump.Formats.Age;

/// <summary>
/// Opens an age-encrypted dump (vmcore.age) with the identities given (--identity). The plaintext is
/// never written to a file: an ELF vmcore inside is read in place, a chunk at a time
/// (<see cref="AgeFile"/>); a kdump-compressed or flattened one is decrypted (and reassembled) into
/// anonymous memory (memfd_create(2)), because the kdump reader works on a memory mapping. That costs
/// memory the size of the compressed dump, never disk.
/// </summary>
internal static partial class AgeDumpOpener
{
    /// <summary>True when <paramref name="path"/> is a regular file that starts like an age file.</summary>
    public static bool IsAge(string path)
    {
        // A pipe is never probed here: reading its first bytes would take them from the dump reader.
        if (UnixFileStatus.Stat(path) is not { Kind: UnixFileKind.Regular })
        {
            return false;
        }

        try
        {
            using var file = PreadFile.Open(path, path, "probing");
            return AgeFile.IsAge(file);
        }
        catch (Exception e) when (e is NkdumpException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static IKernelDump Open(string path, IReadOnlyList<AgeIdentity>? identities)
    {
        if (identities is not { Count: > 0 })
        {
            throw new NkdumpException($"{path}: the dump is age-encrypted: give the identity that opens it (--identity FILE)");
        }

        var age = Ownership.Take(PreadFile.Open(path, path, "age-encrypted"), file => AgeFile.Open(file, identities));
        try
        {
            var format = DumpOpener.Probe(age) ?? throw new DumpFormatException(path, 0, "the decrypted file is not a dump: no ELF magic, no \"KDUMP   \" and no flattened signature");
            if (format == DumpFormat.Elf)
            {
                return ElfVmcore.Open(age);
            }

            using (age)
            {
                return InMemory(age, format, path);
            }
        }
        catch
        {
            age.Dispose();
            throw;
        }
    }

    private static IKernelDump InMemory(AgeFile age, DumpFormat format, string path)
    {
        var fd = MemfdCreate("nkdump-decrypted", MfdCloexec);
        if (fd < 0)
        {
            throw new NkdumpException($"{path}: memfd_create failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }

        using var memory = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, 1 << 16);
        using var plain = new RandomAccessFileStream(age);
        if (format == DumpFormat.Flattened)
        {
            FlattenedReader.Reassemble(plain, memory, path);
        }
        else
        {
            plain.CopyTo(memory, 1 << 20);
        }

        memory.Flush();
        var name = $"/proc/self/fd/{fd}";
        return DumpOpener.Probe(name) switch
        {
            DumpFormat.KdumpCompressed => KdumpDump.Open([name], format, path),
            DumpFormat.Elf => ElfVmcore.Open(name, path),
            _ => throw new DumpFormatException(path, 0, "the decrypted, reassembled dump is neither kdump-compressed nor ELF"),
        };
    }

    private const uint MfdCloexec = 1;

    // int memfd_create(const char *name, unsigned int flags);
    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    /// <summary>An <see cref="IRandomAccessFile"/> read front to back as a stream.</summary>
    private sealed class RandomAccessFileStream(IRandomAccessFile file) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => file.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, file.Length - _position);
            file.Read(_position, buffer[..count]);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
