namespace Nkdump.Config;

/// <summary>
/// A configuration a person must fix: a kdump.conf line or a crashkernel= expression that is wrong.
/// The message already names the file, the line and the directive (or the position in an
/// expression); the CLI prints it and exits 1. Not an NkdumpException (Nkdump.Config once depended
/// on nothing; it now uses Formats only for bounded file reads); command handlers catch it themselves.
/// </summary>
public class ConfigException : Exception
{
    public ConfigException(string message, string? file = null, int line = 0, string? directive = null)
        : base(Compose(message, file, line, directive))
    {
        File = file;
        Line = line;
        Directive = directive;
        Reason = message;
    }

    /// <summary>The file the error is in, when there is one.</summary>
    public string? File { get; }

    /// <summary>The 1-based line, or 0 when the error is about the file as a whole.</summary>
    public int Line { get; }

    /// <summary>The directive the error is about, when there is one.</summary>
    public string? Directive { get; }

    /// <summary>The message without the file:line prefix.</summary>
    public string Reason { get; }

    private static string Compose(string message, string? file, int line, string? directive)
    {
        var where = file is null ? "" : line > 0 ? $"{file}:{line}: " : $"{file}: ";
        var what = directive is null ? "" : $"'{directive}': ";
        return where + what + message;
    }
}
