namespace Nkdump.Config;

/// <summary>What the capture kernel does when dumping failed (<c>failure_action</c>, formerly <c>default</c>).</summary>
public enum FailureAction
{
    Reboot,
    Halt,
    Poweroff,
    Shell,
    DumpToRootfs,
}

/// <summary>What the capture kernel does at the end (<c>final_action</c>).</summary>
public enum FinalAction
{
    Reboot,
    Halt,
    Poweroff,
}

/// <summary>The words kdump.conf uses for the actions.</summary>
public static class ActionNames
{
    public static string Of(FailureAction action) => action switch
    {
        FailureAction.Reboot => "reboot",
        FailureAction.Halt => "halt",
        FailureAction.Poweroff => "poweroff",
        FailureAction.Shell => "shell",
        _ => "dump_to_rootfs",
    };

    public static string Of(FinalAction action) => action switch
    {
        FinalAction.Reboot => "reboot",
        FinalAction.Halt => "halt",
        _ => "poweroff",
    };

    public static bool TryParse(string text, out FailureAction action)
    {
        (var ok, action) = text switch
        {
            "reboot" => (true, FailureAction.Reboot),
            "halt" => (true, FailureAction.Halt),
            "poweroff" => (true, FailureAction.Poweroff),
            "shell" => (true, FailureAction.Shell),
            "dump_to_rootfs" => (true, FailureAction.DumpToRootfs),
            _ => (false, FailureAction.Reboot),
        };
        return ok;
    }

    public static bool TryParse(string text, out FinalAction action)
    {
        (var ok, action) = text switch
        {
            "reboot" => (true, FinalAction.Reboot),
            "halt" => (true, FinalAction.Halt),
            "poweroff" => (true, FinalAction.Poweroff),
            _ => (false, FinalAction.Reboot),
        };
        return ok;
    }
}
