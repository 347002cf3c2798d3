namespace Nkdump.Config;

/// <summary>Something in kdump.conf that is accepted but deserves attention (unsupported or deprecated directives).</summary>
public sealed record ConfigWarning(string File, int Line, string Directive, string Message)
{
    public override string ToString() => $"{File}:{Line}: '{Directive}': {Message}";
}
