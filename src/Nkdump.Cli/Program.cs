namespace Nkdump.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // Installed as "makedumpfile" (a symlink), nkdump is a drop-in core collector; as "kdumpctl" or
        // "kdump-config" it answers those tools' verbs; as "nkdump-generator" it is a systemd generator. As the capture
        // initramfs' /init it runs the init verb, whatever words the kernel passed along as arguments.
        var invokedAs = Path.GetFileName(Environment.GetCommandLineArgs().FirstOrDefault() ?? "");
        try
        {
            return invokedAs switch
            {
                KdumpctlPersonality.Name => KdumpctlPersonality.Run(args, CommandContext.FromConsole()),
                KdumpConfigPersonality.Name => KdumpConfigPersonality.Run(args, CommandContext.FromConsole()),
                SystemdGeneratorCommand.Name => SystemdGeneratorCommand.Run(args, CommandContext.FromConsole()),
                Commands.CollectorCommands.MakedumpfileName => CommandLine.RunPersonality("collect", args, CommandContext.FromConsole()),
                "init" when Environment.ProcessId == 1 => CommandLine.Run(["init"], CommandContext.FromConsole()),
                _ => CommandLine.Run(args, CommandContext.FromConsole()),
            };
        }
        catch (Exception e)
        {
            // Each verb maps its own exceptions (CommandLine.Execute); this catches the rest, such as a
            // failure while printing usage, so that nkdump never ends in an unhandled-exception abort.
            CommandLine.WriteInternalError(Console.Error, "nkdump", e);
            return ExitCodes.Failure;
        }
    }
}
