namespace Nkdump.Cli;

/// <summary>The command line itself is wrong (unknown verb or option, missing argument): exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
