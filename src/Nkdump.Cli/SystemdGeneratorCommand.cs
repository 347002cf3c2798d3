using Nkdump.Setup;
using Nkdump.Setup.Service;

namespace Nkdump.Cli;

/// <summary>
/// nkdump run as `nkdump-generator` from /usr/lib/systemd/system-generators: NORMAL_DIR [EARLY_DIR
/// LATE_DIR] as systemd passes them (NKDUMP_GENERATOR_ROOT names another root, for tests).
/// Always exits 0 unless called wrongly: a generator's failure must not disturb the boot.
/// </summary>
internal static class SystemdGeneratorCommand
{
    public const string Name = "nkdump-generator";

    public static int Run(string[] args, CommandContext context)
    {
        if (args.Length is not (1 or 3))
        {
            context.Error.WriteLine("usage: nkdump-generator NORMAL_DIR [EARLY_DIR LATE_DIR]");
            return ExitCodes.Usage;
        }

        var root = new HostRoot(Environment.GetEnvironmentVariable("NKDUMP_GENERATOR_ROOT") is { Length: > 0 } r ? r : "/");
        try
        {
            if (SystemdGenerator.Generate(root, args[0]) is { } note)
            {
                context.Error.WriteLine($"nkdump-generator: {note}");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"nkdump-generator: warning: {e.Message}");
        }

        return ExitCodes.Success;
    }
}
