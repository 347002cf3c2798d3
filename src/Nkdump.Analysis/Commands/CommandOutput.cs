namespace Nkdump.Analysis.Commands;

/// <summary>
/// What one analyze command answered: the command line, whether it fully succeeded, the text a
/// person reads and the same answer as a JSON value (an object of the command's own shape).
/// A partial answer (some tasks unreadable, no BTF for one part) is Ok = false with both forms filled.
/// </summary>
public sealed record CommandOutput(string Command, bool Ok, string Text, string Json);

/// <summary>A malformed analyze command ("rd" without an address): reported, the session goes on.</summary>
internal sealed class AnalysisUsageException(string message) : Nkdump.Formats.NkdumpException(message);
