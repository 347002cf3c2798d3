using Nkdump.Formats.Age;

namespace Nkdump.Cli;

/// <summary>--identity FILE, which the verbs that read a dump take to open an age-encrypted one.</summary>
internal static class IdentityOption
{
    public const string Name = "--identity";


    /// <summary>The identities of every --identity file, or null when none was given.</summary>
    public static IReadOnlyList<AgeIdentity>? Load(ParsedArguments parsed) =>
        parsed.GetAll(Name) is { Count: > 0 } files ? [.. files.SelectMany(AgeIdentity.Load)] : null;
}
