namespace Nkdump.Cli;

/// <summary>
/// The command line itself is wrong (unknown verb or option, missing argument): exit 2. An
/// NkdumpException like every error about nkdump's input; caught before the others to keep its exit code.
/// </summary>
internal sealed class UsageException(string message) : Formats.NkdumpException(message);
