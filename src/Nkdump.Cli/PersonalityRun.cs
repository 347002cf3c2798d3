using Nkdump.Setup;

namespace Nkdump.Cli;

/// <summary>What one nkdump verb printed and returned, run on behalf of a personality that rewords it.</summary>
internal sealed record VerbResult(int Exit, IReadOnlyList<string> Lines)
{
    public bool Succeeded => Exit == ExitCodes.Success;
}

/// <summary>
/// What the kdumpctl and kdump-config personalities share: running an nkdump verb with its output
/// captured (so that the personality can print the lines its scripts expect around it), and the
/// root prefix (--root after the verb, for tests; / otherwise).
/// </summary>
internal sealed class PersonalityRun(string name, string[] rest, CommandContext context)
{
    public CommandContext Context { get; } = context;

    /// <summary>The arguments after the personality's verb, passed on to nkdump's verb.</summary>
    public string[] Rest { get; } = rest;

    public HostRoot Root { get; } = new(Path.GetFullPath(ValueOf(rest, "--root") ?? "/"));

    public HostFacts Facts => new(Root);

    /// <summary>Runs `nkdump VERB ARGS` with stdout and stderr captured, one list of lines in the order written.</summary>
    public VerbResult Invoke(string verb, params string[] args)
    {
        var captured = new StringWriter();
        var inner = new CommandContext(captured, captured, Context.OpenStandardOutput, Context.OpenStandardInput);
        var exit = CommandLine.RunPersonality(verb, args, inner);
        var lines = captured.ToString().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        return new VerbResult(exit, lines);
    }

    /// <summary>Runs `nkdump VERB ARGS` printing straight to the console (interactive verbs, plain output).</summary>
    public int Pass(string verb, params string[] args) => CommandLine.RunPersonality(verb, args, Context);

    /// <summary>A line on stderr with the personality's prefix ("kdump: …" for kdumpctl).</summary>
    public void Say(string message) => Context.Error.WriteLine($"{name}{message}");

    /// <summary>nkdump's own lines, each with the personality's prefix, on stderr.</summary>
    public void Relay(VerbResult result)
    {
        foreach (var line in result.Lines)
        {
            Say(line);
        }
    }

    private static string? ValueOf(string[] args, string option)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == option && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(option + "=", StringComparison.Ordinal))
            {
                return args[i][(option.Length + 1)..];
            }
        }

        return null;
    }
}
