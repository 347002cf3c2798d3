using Nkdump.Formats;

namespace Nkdump.Setup.Import;

/// <summary>
/// The variables of a shell fragment such as /etc/default/kdump-tools or /etc/sysconfig/kdump, read
/// without running it: NAME=value, NAME="value" or NAME='value', optionally after "export ",
/// comments and blank lines skipped; the last assignment wins, as in the shell. A value the shell
/// would compute ($(…), backquotes, $VAR) is kept verbatim and flagged, never guessed.
/// </summary>
internal static class ShellAssignments
{
    public sealed record Assignment(string Name, string Value, int Line, bool Computed);

    public static IReadOnlyDictionary<string, Assignment> Parse(string text, string file)
    {
        var result = new Dictionary<string, Assignment>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var eq = line.IndexOf('=');
            if (eq <= 0 || !line[..eq].All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new NkdumpException($"{file}:{number}: not a shell assignment: '{line}'");
            }

            var name = line[..eq];
            var value = Unquote(line[(eq + 1)..], file, number, out var quote);
            var computed = quote != '\'' && (value.Contains('$') || value.Contains('`'));
            result[name] = new Assignment(name, value, number, computed);
        }

        return result;
    }

    private static string Unquote(string rest, string file, int line, out char? quote)
    {
        quote = rest.Length > 0 && rest[0] is '"' or '\'' ? rest[0] : null;
        if (quote is not { } q)
        {
            var hash = rest.IndexOf(" #", StringComparison.Ordinal);
            return (hash >= 0 ? rest[..hash] : rest).Trim();
        }

        var close = rest.IndexOf(q, 1);
        if (close < 0)
        {
            throw new NkdumpException($"{file}:{line}: the quoted value is not closed on its line");
        }

        return rest[1..close];
    }
}
