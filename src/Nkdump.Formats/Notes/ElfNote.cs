using System.Buffers.Binary;
using System.Text;
using Nkdump.Formats.Elf;
using Nkdump.Formats.Limits;

namespace Nkdump.Formats.Notes;

/// <summary>One ELF note as a dump carries it: the owner name, the type, and the descriptor bytes.</summary>
public sealed record ElfNote(string Name, uint Type, ReadOnlyMemory<byte> Descriptor)
{
    /// <summary>NT_PRSTATUS: a CPU's registers and the task running on it (include/uapi/linux/elf.h).</summary>
    public const uint NtPrstatus = 1;

    /// <summary>The VMCOREINFO note's owner name; its type is 0 (include/linux/crash_core.h).</summary>
    public const string VmcoreInfoName = "VMCOREINFO";

    /// <summary>
    /// Parses a PT_NOTE body, an SHT_NOTE section, or the notes copy in a kdump-compressed file.
    /// <paramref name="baseOffset"/> is the file offset of <paramref name="bytes"/>, for error messages.
    /// Zero padding after the last note (the kernel reserves note buffers larger than their content)
    /// ends the list. <paramref name="alignment"/> is 4, or 8 for notes in a segment or section
    /// aligned to 8 (.note.gnu.property): the name and the descriptor are each padded to it.
    /// </summary>
    public static List<ElfNote> ParseAll(ReadOnlySpan<byte> bytes, string path, long baseOffset, int alignment = 4)
    {
        var notes = new List<ElfNote>();
        var position = 0;
        while (bytes.Length - position >= ElfLayout.NhdrSize)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(position + ElfLayout.NNamesz)..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(position + ElfLayout.NDescsz)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(position + ElfLayout.NType)..]);
            if (nameSize == 0 && descSize == 0 && type == 0)
            {
                break;
            }

            // In longs: 32-bit sizes near 4 GiB cannot overflow these sums.
            var nameStart = (long)position + ElfLayout.NhdrSize;
            var descStart = Align(nameStart + nameSize, alignment);
            var end = Align(descStart + descSize, alignment);
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

    private static long Align(long value, int alignment) => (value + alignment - 1) & ~(long)(alignment - 1);

    private static long Align4(uint value) => Align(value, 4);

    /// <summary>Writes one note (header, name, descriptor, each padded to 4 bytes) to <paramref name="output"/>.</summary>
    public void WriteTo(Stream output)
    {
        var name = Encoding.ASCII.GetBytes(Name + "\0");
        Span<byte> header = stackalloc byte[ElfLayout.NhdrSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header[ElfLayout.NNamesz..], (uint)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ElfLayout.NDescsz..], (uint)Descriptor.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[ElfLayout.NType..], Type);
        output.Write(header);
        output.Write(name);
        output.Write(new byte[Align4((uint)name.Length) - name.Length]);
        output.Write(Descriptor.Span);
        output.Write(new byte[Align4((uint)Descriptor.Length) - Descriptor.Length]);
    }

    /// <summary>The size <see cref="WriteTo"/> writes.</summary>
    public int EncodedSize => ElfLayout.NhdrSize + (int)Align4((uint)(Name.Length + 1)) + (int)Align4((uint)Descriptor.Length);
}
