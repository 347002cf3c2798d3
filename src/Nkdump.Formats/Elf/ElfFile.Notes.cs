using Nkdump.Formats.Limits;
using Nkdump.Formats.Notes;

namespace Nkdump.Formats.Elf;

/// <summary>The notes of an ELF file (PT_NOTE segments, SHT_NOTE sections) and the GNU build ID among them.</summary>
public sealed partial class ElfFile
{
    /// <summary>
    /// The notes of every PT_NOTE segment, in file order (a core's CPU registers and VMCOREINFO).
    /// Together they may hold at most <see cref="InputLimits.Dump.NotesBytes"/> bytes.
    /// </summary>
    internal List<ElfNote> ReadSegmentNotes()
    {
        var notes = new List<ElfNote>();
        long total = 0;
        for (var i = 0; i < Segments.Count; i++)
        {
            var segment = Segments[i];
            if (!segment.IsNote)
            {
                continue;
            }

            var at = ProgramHeaderOffset(i);
            total += (long)Math.Min(segment.FileSize, int.MaxValue);
            if (total > InputLimits.Dump.NotesBytes)
            {
                throw new DumpFormatException(Path, at + ElfLayout.PFilesz, $"PT_NOTE segments total more than {InputLimits.Dump.NotesBytes} bytes");
            }

            var bytes = ReadRange(segment.Offset, segment.FileSize, InputLimits.Dump.NotesBytes, at + ElfLayout.POffset, $"program header {i} (PT_NOTE)");
            notes.AddRange(ElfNote.ParseAll(bytes, Path, (long)segment.Offset, NoteAlignment(segment.Alignment)));
        }

        return notes;
    }

    /// <summary>The notes of every SHT_NOTE section (.notes, .note.gnu.build-id, .note.Linux...), in section order.</summary>
    internal List<ElfNote> ReadSectionNotes()
    {
        var notes = new List<ElfNote>();
        long total = 0;
        foreach (var section in Sections)
        {
            if (!section.IsNote)
            {
                continue;
            }

            total += (long)Math.Min(section.Size, int.MaxValue);
            if (total > InputLimits.Dump.NotesBytes)
            {
                throw new DumpFormatException(Path, section.HeaderOffset + ElfLayout.ShSize, $"SHT_NOTE sections total more than {InputLimits.Dump.NotesBytes} bytes");
            }

            var bytes = ReadSection(section, InputLimits.Dump.NotesBytes);
            notes.AddRange(ElfNote.ParseAll(bytes, Path, (long)section.Offset, NoteAlignment(section.Alignment)));
        }

        return notes;
    }

    /// <summary>
    /// The notes of the file: those of its note sections when it has any (a vmlinux's .notes is also
    /// a PT_NOTE: reading both would list each note twice), else those of its PT_NOTE segments.
    /// </summary>
    public IReadOnlyList<ElfNote> ReadNotes()
    {
        var fromSections = ReadSectionNotes();
        return fromSections.Count > 0 ? fromSections : ReadSegmentNotes();
    }

    /// <summary>The GNU build ID (the NT_GNU_BUILD_ID note) as lower-case hex, or null when the file has none.</summary>
    public string? ReadBuildId()
    {
        foreach (var note in ReadNotes())
        {
            if (note.Name == "GNU" && note.Type == ElfLayout.NtGnuBuildId && note.Descriptor.Length > 0)
            {
                return Convert.ToHexStringLower(note.Descriptor.Span);
            }
        }

        return null;
    }

    /// <summary>Notes are padded to 4 bytes, or to 8 in a segment or section aligned to 8 (gABI).</summary>
    private static int NoteAlignment(ulong alignment) => alignment == 8 ? 8 : 4;
}
