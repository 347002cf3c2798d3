using System.Buffers.Binary;
using System.Text;

namespace Nkdump.Formats.Notes;

/// <summary>One ELF note as a dump carries it: the owner name, the type, and the descriptor bytes.</summary>
public sealed record ElfNote(string Name, uint Type, ReadOnlyMemory<byte> Descriptor)
{
    /// <summary>NT_PRSTATUS: a CPU's registers and the task running on it (include/uapi/linux/elf.h).</summary>
    public const uint NtPrstatus = 1;

    /// <summary>The VMCOREINFO note's owner name; its type is 0 (include/linux/crash_core.h).</summary>
    public const string VmcoreInfoName = "VMCOREINFO";

    /// <summary>Upper bound on all notes of one dump: real ones are a few KiB per CPU.</summary>
    public const int MaxNotesSize = 64 << 20;

    /// <summary>
    /// Parses a PT_NOTE body (or the notes copy in a kdump-compressed file). <paramref name="baseOffset"/>
    /// is the file offset of <paramref name="bytes"/>, for error messages. Zero padding after the last
    /// note (the kernel reserves note buffers larger than their content) ends the list.
    /// </summary>
    public static List<ElfNote> ParseAll(ReadOnlySpan<byte> bytes, string path, long baseOffset)
    {
        var notes = new List<ElfNote>();
        var position = 0;
        while (bytes.Length - position >= 12)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[position..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(position + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(position + 8)..]);
            if (nameSize == 0 && descSize == 0 && type == 0)
            {
                break;
            }

            var nameStart = (long)position + 12;
            var descStart = nameStart + Align4(nameSize);
            var end = descStart + Align4(descSize);
            if (descStart + descSize > bytes.Length)
            {
                throw new DumpFormatException(path, baseOffset + position, $"ELF note (name {nameSize} bytes, descriptor {descSize} bytes) runs past the end of the notes ({bytes.Length} bytes)");
            }

            var name = bytes.Slice((int)nameStart, (int)nameSize);
            var nul = name.IndexOf((byte)0);
            var nameText = Encoding.ASCII.GetString(nul >= 0 ? name[..nul] : name);
            notes.Add(new ElfNote(nameText, type, bytes.Slice((int)descStart, (int)descSize).ToArray()));
            position = (int)Math.Min(end, bytes.Length);
        }

        return notes;
    }

    private static long Align4(uint value) => ((long)value + 3) & ~3L;

    /// <summary>Writes one note (header, name, descriptor, each padded to 4 bytes) to <paramref name="output"/>.</summary>
    public void WriteTo(Stream output)
    {
        var name = Encoding.ASCII.GetBytes(Name + "\0");
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)Descriptor.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Type);
        output.Write(header);
        output.Write(name);
        output.Write(new byte[Align4((uint)name.Length) - name.Length]);
        output.Write(Descriptor.Span);
        output.Write(new byte[Align4((uint)Descriptor.Length) - Descriptor.Length]);
    }

    /// <summary>The size <see cref="WriteTo"/> writes.</summary>
    public int EncodedSize => 12 + (int)Align4((uint)(Name.Length + 1)) + (int)Align4((uint)Descriptor.Length);
}
