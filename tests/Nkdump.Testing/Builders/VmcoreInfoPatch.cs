using System.Text;
using Nkdump.Formats;

namespace Nkdump.Testing.Builders;

/// <summary>
/// A copy of a dump (ELF core or kdump-compressed) whose VMCOREINFO note says something else: values
/// replaced or lines removed, in place, so that the note keeps its size and every other byte of the
/// file stays where it was. The text is found as the dump's own VMCOREINFO bytes near the start of
/// the file (the ELF PT_NOTE, or the kdump sub-header's copy of the notes).
/// </summary>
internal static class VmcoreInfoPatch
{
    /// <summary>Where the note is looked for: notes come before any page data.</summary>
    private const int SearchBytes = 64 << 20;

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> with each KEY of
    /// <paramref name="changes"/> set to its value (null: the line removed). The new text must not be
    /// longer than the old one (remove an unused line to make room); a shorter one is padded with NULs,
    /// where VMCOREINFO readers stop.
    /// </summary>
    public static string Copy(string source, string destination, IReadOnlyDictionary<string, string?> changes)
    {
        string original;
        using (var dump = DumpOpener.Open(source))
        {
            original = dump.VmcoreInfo?.Text ?? throw new InvalidOperationException($"{source} has no VMCOREINFO");
        }

        var lines = original.Split('\n').ToList();
        foreach (var (key, value) in changes)
        {
            var index = lines.FindIndex(l => l.StartsWith(key + "=", StringComparison.Ordinal));
            if (index < 0)
            {
                throw new ArgumentException($"{source}: VMCOREINFO has no {key}", nameof(changes));
            }

            if (value is null)
            {
                lines.RemoveAt(index);
            }
            else
            {
                lines[index] = $"{key}={value}";
            }
        }

        var oldBytes = Encoding.ASCII.GetBytes(original);
        var newBytes = Encoding.ASCII.GetBytes(string.Join('\n', lines));
        if (newBytes.Length > oldBytes.Length)
        {
            throw new ArgumentException($"the patched VMCOREINFO is {newBytes.Length - oldBytes.Length} bytes longer than the note: remove an unused line", nameof(changes));
        }

        var temporary = destination + ".tmp";
        File.Copy(source, temporary, overwrite: true);
        using (var file = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
        {
            var head = new byte[(int)Math.Min(file.Length, SearchBytes)];
            file.ReadExactly(head);
            var at = head.AsSpan().IndexOf(oldBytes);
            if (at < 0 || head.AsSpan(at + 1).IndexOf(oldBytes) >= 0)
            {
                throw new InvalidOperationException($"{source}: the VMCOREINFO text is not found exactly once in the first {SearchBytes} bytes");
            }

            var patched = new byte[oldBytes.Length];
            newBytes.CopyTo(patched, 0);
            file.Position = at;
            file.Write(patched);
        }

        File.Move(temporary, destination, overwrite: true);
        return destination;
    }

    /// <summary>One key set to one value.</summary>
    public static string Copy(string source, string destination, string key, string value) =>
        Copy(source, destination, new Dictionary<string, string?> { [key] = value });
}
