using Nkdump.Formats;

namespace Nkdump.Cli;

/// <summary>Top-level dispatch: global options, the verb, help, and mapping errors to exit codes.</summary>
public static class CommandLine
{
    /// <summary>The first frames of an internal error's stack trace, enough to locate it in a report.</summary>
    private const int MaxFramesShown = 5;

    public static string Version => BuildVersion.Value;

    internal static int Run(string[] args, CommandContext context)
    {
        if (args.Length == 0)
        {
            WriteUsage(context.Error);
            return ExitCodes.Usage;
        }

        var verb = args[0];
        switch (verb)
        {
            case "--help" or "-h" or "help" when args.Length == 1:
                WriteUsage(context.Out);
                return ExitCodes.Success;
            case "help" when args.Length == 2 && args[1] == "--man":
                // Hidden: nkdump(8) for the Debian package, written from the command table.
                ManPage.Write(context.Out);
                return ExitCodes.Success;
            case "help":
                return RunVerb(args[1], ["--help"], context);
            case "--version" or "-V":
                context.Out.WriteLine($"nkdump {Version}");
                return ExitCodes.Success;
        }

        return RunVerb(verb, args[1..], context);
    }

    /// <summary>Runs one verb with every argument given to it (argv[0] personalities such as makedumpfile).</summary>
    internal static int RunPersonality(string verb, string[] args, CommandContext context) =>
        RunVerb(verb, args, context, allowHelpInterception: false);

    private static int RunVerb(string verb, string[] rest, CommandContext context, bool allowHelpInterception = true)
    {
        var command = CommandTable.Find(verb);
        if (command is null)
        {
            context.Error.WriteLine(verb.StartsWith('-')
                ? $"nkdump: unknown option '{verb}'"
                : $"nkdump: unknown command '{verb}'");
            context.Error.WriteLine("Try 'nkdump --help' for the list of commands.");
            return ExitCodes.Usage;
        }

        if (allowHelpInterception && rest.Length > 0 && rest.Contains("--help"))
        {
            WriteCommandHelp(context.Out, command);
            return ExitCodes.Success;
        }

        return Execute(command, rest, context);
    }

    /// <summary>
    /// Runs <paramref name="command"/>, mapping every exception to an exit code: usage errors to 2,
    /// failures a person can act on to 1 with their message, and anything else — a bug in nkdump —
    /// to 1 with "internal error" and where to report it, never an unhandled-exception abort (134).
    /// </summary>
    internal static int Execute(Command command, string[] rest, CommandContext context)
    {
        try
        {
            return command.Run(context, rest);
        }
        catch (UsageException e)
        {
            context.Error.WriteLine($"nkdump {command.Name}: {e.Message}");
            context.Error.WriteLine($"Usage: nkdump {command.Usage}");
            context.Error.WriteLine($"Try 'nkdump {command.Name} --help' for more information.");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NkdumpException)
        {
            context.Error.WriteLine($"nkdump {command.Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            WriteInternalError(context.Error, $"nkdump {command.Name}", e);
            return ExitCodes.Failure;
        }
    }

    /// <summary>An exception nkdump did not expect: what it was, where, and where to report it.</summary>
    public static void WriteInternalError(TextWriter error, string who, Exception e)
    {
        error.WriteLine($"{who}: internal error: {e.GetType().FullName}: {e.Message}");
        foreach (var frame in (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(MaxFramesShown))
        {
            error.WriteLine($"    {frame}");
        }

        error.WriteLine($"This is a bug in nkdump {Version}. Please report it to the nkdump project's issue tracker with the command line and the lines above.");
    }

    public static void WriteUsage(TextWriter writer)
    {
        writer.WriteLine("nkdump - the Linux kdump system: set up, capture, collect and analyze kernel crash dumps");
        writer.WriteLine();
        writer.WriteLine("Usage: nkdump COMMAND [OPTIONS] [ARGS]");
        writer.WriteLine("       nkdump COMMAND --help     options of one command");
        writer.WriteLine("       nkdump --version");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        var width = CommandTable.All.Count == 0 ? 0 : CommandTable.All.Max(c => c.Name.Length);
        foreach (var command in CommandTable.All)
        {
            writer.WriteLine($"  {command.Name.PadRight(width)}  {command.Summary}");
        }

        writer.WriteLine();
        writer.WriteLine("Exit status: 0 success, 1 failure, 2 usage error; 'status' exits 3 when kdump is not operational.");
    }

    private static void WriteCommandHelp(TextWriter writer, Command command)
    {
        writer.WriteLine($"Usage: nkdump {command.Usage}");
        writer.WriteLine();
        writer.WriteLine(command.Summary);
        if (command.Help.Length > 0)
        {
            writer.WriteLine();
            writer.Write(command.Help.EndsWith('\n') ? command.Help : command.Help + "\n");
        }
    }
}
