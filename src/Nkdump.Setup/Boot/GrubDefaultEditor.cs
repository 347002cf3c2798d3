using System.Text;

namespace Nkdump.Setup.Boot;

/// <summary>
/// Edits the kernel command line variables of /etc/default/grub (a shell fragment) so the kernel
/// gets exactly one crashkernel=: the last GRUB_CMDLINE_LINUX assignment gets crashkernel=VALUE
/// (replacing any old one, keeping every other parameter in place), and crashkernel= is removed
/// from GRUB_CMDLINE_LINUX_DEFAULT, which grub appends after it and would otherwise win. Running
/// it again on its own output changes nothing.
/// </summary>
internal static class GrubDefaultEditor
{
    public const string LinuxVariable = "GRUB_CMDLINE_LINUX";
    public const string DefaultVariable = "GRUB_CMDLINE_LINUX_DEFAULT";

    /// <summary>Returns the edited text (the same string when nothing had to change).</summary>
    public static string SetCrashkernel(string text, string value)
    {
        var lines = text.Split('\n');
        var linuxIndex = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            if (TryParseAssignment(lines[i], out var name, out _) && name == LinuxVariable)
            {
                linuxIndex = i;
            }
        }

        for (var i = 0; i < lines.Length; i++)
        {
            if (!TryParseAssignment(lines[i], out var name, out var assignment))
            {
                continue;
            }

            var words = i == linuxIndex
                ? KernelCommandLineText.WithCrashkernel(assignment.Words, value)
                : assignment.Words.Where(w => !KernelCommandLineText.IsCrashkernel(w)).ToList();
            if (!words.SequenceEqual(assignment.Words))
            {
                lines[i] = assignment.Replace(words);
            }
        }

        var result = string.Join('\n', lines);
        if (linuxIndex < 0)
        {
            var separator = result.Length == 0 || result.EndsWith('\n') ? "" : "\n";
            result += $"{separator}{LinuxVariable}=\"crashkernel={value}\"\n";
        }

        return result == text ? text : result;
    }

    /// <summary>The crashkernel= value the last GRUB_CMDLINE_LINUX(_DEFAULT) assignments give, or null.</summary>
    public static string? CurrentCrashkernel(string text)
    {
        string? linux = null, linuxDefault = null;
        foreach (var line in text.Split('\n'))
        {
            if (TryParseAssignment(line, out var name, out var a))
            {
                var found = a.Words.LastOrDefault(KernelCommandLineText.IsCrashkernel);
                if (name == LinuxVariable)
                {
                    linux = found;
                }
                else if (name == DefaultVariable)
                {
                    linuxDefault = found;
                }
            }
        }

        return (linuxDefault ?? linux)?["crashkernel=".Length..];
    }


    /// <summary>NAME="words" / NAME='words' / NAME=words, optionally after "export ", with an optional trailing comment.</summary>
    private static bool TryParseAssignment(string line, out string name, out Assignment assignment)
    {
        name = "";
        assignment = default;
        var trimmed = line.TrimStart();
        var indent = line[..(line.Length - trimmed.Length)];
        var prefix = indent;
        if (trimmed.StartsWith("export ", StringComparison.Ordinal))
        {
            prefix += "export ";
            trimmed = trimmed["export ".Length..];
        }

        var eq = trimmed.IndexOf('=');
        if (eq <= 0 || trimmed[..eq] is not (LinuxVariable or DefaultVariable))
        {
            return false;
        }

        name = trimmed[..eq];
        var rest = trimmed[(eq + 1)..];
        char? quote = rest.Length > 0 && rest[0] is '"' or '\'' ? rest[0] : null;
        string body, tail;
        if (quote is { } q)
        {
            var close = rest.IndexOf(q, 1);
            if (close < 0)
            {
                // A value continued on the next line: leave it alone rather than guess.
                return false;
            }

            body = rest[1..close];
            tail = rest[(close + 1)..];
        }
        else
        {
            var space = rest.IndexOfAny([' ', '\t']);
            body = space < 0 ? rest : rest[..space];
            tail = space < 0 ? "" : rest[space..];
        }

        assignment = new Assignment($"{prefix}{name}=", quote, body.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries), tail);
        return true;
    }

    private readonly record struct Assignment(string Head, char? Quote, IReadOnlyList<string> Words, string Tail)
    {
        public string Replace(IReadOnlyList<string> words)
        {
            var body = string.Join(' ', words);
            var quote = Quote ?? (words.Count > 1 ? '"' : null);
            var text = new StringBuilder(Head);
            if (quote is { } q)
            {
                text.Append(q).Append(body).Append(q);
            }
            else
            {
                text.Append(body);
            }

            return text.Append(Tail).ToString();
        }
    }
}
