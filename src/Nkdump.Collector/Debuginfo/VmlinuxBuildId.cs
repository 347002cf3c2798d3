using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using Nkdump.Formats;

namespace Nkdump.Collector.Debuginfo;

/// <summary>
/// The GNU build ID of a vmlinux (its NT_GNU_BUILD_ID note, in the .notes section that stripping
/// keeps), to check that -x was given the crashed kernel's own vmlinux: offsets taken from another
/// build would filter the wrong pages without any error.
/// </summary>
internal static class VmlinuxBuildId
{
    // Elf64_Ehdr: e_shoff @40 (u64), e_shentsize @58, e_shnum @60 (u16).
    // Elf64_Shdr (64 bytes): sh_type @4 (u32), sh_offset @24 (u64), sh_size @32 (u64).
    // Elf64_Nhdr: n_namesz, n_descsz, n_type (u32 each), then name and descriptor, each padded to 4.
    private const uint ShtNote = 7;
    private const uint NtGnuBuildId = 3;
    private const int MaxNotesSection = 1 << 20;

    /// <summary>The build ID as lower-case hex, or null when the vmlinux has none.</summary>
    public static string? Read(string path)
    {
        try
        {
            return ReadNotes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NkdumpException($"-x {path}: cannot read: {e.Message}", e);
        }
    }

    private static string? ReadNotes(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        var header = new byte[64];
        Read(handle, header, 0, length, path);
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(40));
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(60));
        if (shoff > (ulong)length || (ulong)shnum * 64 > (ulong)length - shoff)
        {
            throw new DumpFormatException(path, 40, "section header table lies outside the file");
        }

        var sections = new byte[shnum * 64];
        Read(handle, sections, (long)shoff, length, path);
        for (var i = 0; i < shnum; i++)
        {
            var section = sections.AsSpan(i * 64, 64);
            var size = BinaryPrimitives.ReadUInt64LittleEndian(section[32..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(section[4..]) != ShtNote || size > MaxNotesSection)
            {
                continue;
            }

            var notes = new byte[size];
            Read(handle, notes, (long)BinaryPrimitives.ReadUInt64LittleEndian(section[24..]), length, path);
            if (Find(notes) is { } id)
            {
                return id;
            }
        }

        return null;
    }

    private static string? Find(ReadOnlySpan<byte> notes)
    {
        var at = 0L;
        while (notes.Length - at >= 12)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(int)at..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[(int)(at + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(int)(at + 8)..]);
            var desc = at + 12 + ((nameSize + 3L) & ~3L);
            if (desc + descSize > notes.Length)
            {
                return null;
            }

            if (type == NtGnuBuildId && nameSize == 4 && notes.Slice((int)at + 12, 4).SequenceEqual("GNU\0"u8))
            {
                return Convert.ToHexStringLower(notes.Slice((int)desc, (int)descSize));
            }

            at = desc + ((descSize + 3L) & ~3L);
        }

        return null;
    }

    private static void Read(SafeFileHandle handle, byte[] buffer, long offset, long length, string path)
    {
        if (offset < 0 || offset > length - buffer.Length)
        {
            throw new DumpFormatException(path, offset, $"{buffer.Length} bytes needed but the file ends at {length}");
        }

        var done = 0;
        while (done < buffer.Length)
        {
            var count = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
            if (count <= 0)
            {
                throw new DumpFormatException(path, offset + done, "the file ends early");
            }

            done += count;
        }
    }
}
