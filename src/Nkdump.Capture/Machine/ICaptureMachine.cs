namespace Nkdump.Capture.Machine;

/// <summary>
/// What the capture asks of the machine beyond files: mounting the dump target, ending the capture
/// (reboot, halt, power off) and the emergency shell. The Linux implementation makes the system calls;
/// tests record the calls instead. Reboot, Halt and PowerOff do not return on a real machine; when a
/// recording one returns, the capture stops as if the machine had gone.
/// </summary>
public interface ICaptureMachine
{
    /// <summary>mount(2): <paramref name="options"/> is the file system's data string (e.g. NFS's "vers=4.2,addr=…"), or null.</summary>
    void Mount(string source, string target, string fileSystemType, string? options);

    /// <summary>Sets an interface up (loopback before anything else).</summary>
    void BringUp(string device);

    /// <summary>Gives an interface a static IPv4 address and sets it up; adds the default route when a gateway is given.</summary>
    void ConfigureInterface(string device, global::System.Net.IPAddress address, global::System.Net.IPAddress netmask, global::System.Net.IPAddress? gateway);

    /// <summary>The capture kernel's own log (what dmesg prints), for kexec-dmesg.log; "" when unavailable.</summary>
    string ReadKernelLog();

    void Reboot();

    void Halt();

    void PowerOff();

    /// <summary>failure_action shell: an interactive shell on the console; returns when it exits.</summary>
    void RunShell();
}
