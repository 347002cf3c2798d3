namespace Nkdump.Cli;

/// <summary>
/// One verb of the command table. <paramref name="Usage"/> is the synopsis after "nkdump ",
/// <paramref name="Help"/> the option lines shown by "nkdump VERB --help".
/// The handler gets the arguments after the verb and returns the exit code.
/// </summary>
internal sealed record Command(
    string Name,
    string Summary,
    string Usage,
    string Help,
    Func<CommandContext, string[], int> Run);
