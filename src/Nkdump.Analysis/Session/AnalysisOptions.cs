namespace Nkdump.Analysis.Session;

/// <summary>
/// What to open besides the dump: a System.map or a vmlinux (symbols; a vmlinux also gives BTF)
/// for when the dump's own kallsyms or BTF are missing or not trusted.
/// </summary>
public sealed record AnalysisOptions
{
    public string? SystemMap { get; init; }

    public string? Vmlinux { get; init; }
}
