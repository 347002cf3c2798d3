namespace Nkdump.Setup.Import;

/// <summary>What an import made: kdump.conf's text and each setting it could not carry over, with why.</summary>
public sealed record ImportResult(string Source, string Text, IReadOnlyList<string> NotCarried);

/// <summary>Accumulates kdump.conf lines and the settings left behind, with where each came from.</summary>
internal sealed class ImportBuilder(string source)
{
    private readonly List<string> _lines = [];
    private readonly List<string> _notCarried = [];

    public void Comment(string text) => _lines.Add($"# {text}");

    public void Directive(string directive, string value, string from)
    {
        _lines.Add($"# from {from}");
        _lines.Add($"{directive} {value}");
    }

    public void Line(string line) => _lines.Add(line);

    public void NotCarried(string what, string why) => _notCarried.Add($"{what}: {why}");

    public ImportResult Build() => new(source, string.Concat(_lines.Select(l => l + "\n")), _notCarried);
}
