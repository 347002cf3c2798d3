namespace Nkdump.Cli.Commands;

/// <summary>Verbs of the host side: config, crashkernel, and the kdumpctl-style service verbs.</summary>
internal static class HostCommands
{
    public static IReadOnlyList<Command> All { get; } =
    [
        HostConfigCommands.Config,
        HostCrashkernelCommands.Crashkernel,
        .. HostServiceCommands.All,
        HostPropagateCommand.Propagate,
        .. HostInstallCommands.All,
        .. DumpStoreCommands.All,
    ];
}
