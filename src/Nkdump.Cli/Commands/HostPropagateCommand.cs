using Nkdump.Setup;
using Nkdump.Setup.Service;

namespace Nkdump.Cli.Commands;

/// <summary>kdumpctl's propagate: the dump key, its public half on the ssh target, the target's host key.</summary>
internal static class HostPropagateCommand
{
    public static Command Propagate { get; } = new(
        "propagate",
        "set up an ssh target: create the dump key, install it there, record the server's host key",
        "propagate [--login-key FILE] [--config FILE] [--root DIR]",
        "  --login-key FILE  your key to log in with while installing the dump key (default: ssh's own\n"
        + "                    choice: the agent, ~/.ssh/id_*, or a password prompt)\n"
        + "  --config FILE     kdump.conf to use (default ROOT/etc/kdump.conf)\n"
        + HostCommandSupport.RootHelp,
        Run);

    private static int Run(CommandContext ctx, string[] args)
    {
        var parsed = new OptionParser().Value("--config", "--root", "--login-key").Parse(args);
        parsed.ExpectPositionals(0, 0, "no arguments");
        return HostCommandSupport.Guard(ctx, "propagate", () =>
        {
            var config = HostCommandSupport.LoadConfig(ctx, HostCommandSupport.ConfigPath(parsed));
            var root = new HostRoot(HostCommandSupport.Root(parsed));
            new SshKeyPropagation(root, config, ProcessRunner.Real, ctx.Out) { LoginKey = parsed.Get("--login-key") }.Run();
            return ExitCodes.Success;
        });
    }
}
