namespace Nkdump.Cli;

/// <summary>
/// A small GNU-style option parser: "--name value", "--name=value", "-x value", flags, and
/// positional arguments; "--" ends the options. Anything not declared is a usage error that names it.
/// </summary>
internal sealed class OptionParser
{
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valued = new(StringComparer.Ordinal);
    private readonly HashSet<string> _repeatable = new(StringComparer.Ordinal);

    /// <summary>Declares an option without a value, e.g. "--json".</summary>
    public OptionParser Flag(params string[] names)
    {
        foreach (var name in names)
        {
            _flags.Add(name);
        }

        return this;
    }

    /// <summary>Declares an option that takes a value, e.g. "--format".</summary>
    public OptionParser Value(params string[] names)
    {
        foreach (var name in names)
        {
            _valued.Add(name);
        }

        return this;
    }

    /// <summary>Declares a valued option that may be given several times, e.g. "-c".</summary>
    public OptionParser Repeatable(params string[] names)
    {
        foreach (var name in names)
        {
            _valued.Add(name);
            _repeatable.Add(name);
        }

        return this;
    }

    public ParsedArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var positionals = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }

            // "-" alone is a positional: standard input or output.
            if (arg.Length < 2 || arg[0] != '-')
            {
                positionals.Add(arg);
                continue;
            }

            var name = arg;
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            if (_flags.Contains(name) && inline is null)
            {
                flags.Add(name);
            }
            else if (_valued.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"option '{name}' needs a value"));
                if (!values.TryGetValue(name, out var list))
                {
                    values[name] = list = [];
                }
                else if (!_repeatable.Contains(name))
                {
                    throw new UsageException($"option '{name}' given more than once");
                }

                list.Add(value);
            }
            else if (_flags.Contains(name))
            {
                throw new UsageException($"option '{name}' takes no value");
            }
            else
            {
                throw new UsageException($"unknown option '{name}'");
            }
        }

        return new ParsedArguments(flags, values, positionals);
    }
}

/// <summary>The result of <see cref="OptionParser.Parse"/>.</summary>
internal sealed class ParsedArguments(HashSet<string> flags, Dictionary<string, List<string>> values, List<string> positionals)
{
    public IReadOnlyList<string> Positionals { get; } = positionals;

    public bool Has(string name) => flags.Contains(name) || values.ContainsKey(name);

    public string? Get(string name) => values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => values.TryGetValue(name, out var list) ? list : [];

    /// <summary>Requires exactly <paramref name="min"/> to <paramref name="max"/> positional arguments.</summary>
    public void ExpectPositionals(int min, int max, string what)
    {
        if (Positionals.Count < min || Positionals.Count > max)
        {
            throw new UsageException($"expected {what}");
        }
    }
}
