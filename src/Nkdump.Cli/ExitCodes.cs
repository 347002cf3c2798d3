namespace Nkdump.Cli;

/// <summary>Process exit codes (DESIGN.md): the same for every verb, except where a verb mirrors a tool.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>`status`, like kdumpctl: kdump is not operational.</summary>
    public const int NotOperational = 3;
}
