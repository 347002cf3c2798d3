using System.Diagnostics;

namespace Nkdump.Capture.Machine;

/// <summary>The real machine: mount(2), reboot(2) (LINUX_REBOOT_CMD_*), and /bin/sh for the emergency shell.</summary>
public sealed class LinuxCaptureMachine(CaptureLog log) : ICaptureMachine
{
    private const int CmdRestart = 0x01234567;
    private const int CmdHalt = unchecked((int)0xCDEF0123);
    private const int CmdPowerOff = 0x4321FEDC;

    public void Mount(string source, string target, string fileSystemType, string? options) =>
        NativeCalls.Mount(source, target, fileSystemType, options);

    public void BringUp(string device) => NetworkIoctls.BringUp(device);

    public void ConfigureInterface(string device, System.Net.IPAddress address, System.Net.IPAddress netmask, System.Net.IPAddress? gateway) =>
        NetworkIoctls.Configure(device, address, netmask, gateway);

    public string ReadKernelLog() => NativeCalls.ReadKernelLog();

    public void Reboot() => log.Error("reboot failed: " + NativeCalls.Reboot(CmdRestart));

    public void Halt() => log.Error("halt failed: " + NativeCalls.Reboot(CmdHalt));

    public void PowerOff() => log.Error("power off failed: " + NativeCalls.Reboot(CmdPowerOff));

    public void RunShell()
    {
        var shell = File.Exists("/bin/sh") ? "/bin/sh" : null;
        if (shell is null)
        {
            log.Error("no /bin/sh in the capture initramfs: no emergency shell");
            return;
        }

        log.Info("entering the emergency shell; exit it to continue with final_action");
        using var process = Process.Start(new ProcessStartInfo(shell, ["-i"]) { UseShellExecute = false });
        process?.WaitForExit();
    }
}
