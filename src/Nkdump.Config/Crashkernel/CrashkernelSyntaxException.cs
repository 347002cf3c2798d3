namespace Nkdump.Config.Crashkernel;

/// <summary>A malformed crashkernel= expression; <see cref="Position"/> is the 0-based index of the offending character.</summary>
internal sealed class CrashkernelSyntaxException(string expression, int position, string message)
    : ConfigException($"crashkernel expression '{expression}', position {position + 1}: {message}")
{
    public string Expression { get; } = expression;

    /// <summary>0-based index into <see cref="Expression"/>.</summary>
    public int Position { get; } = position;
}
