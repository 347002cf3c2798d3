using System.Runtime.InteropServices;
using System.Text;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Service;

/// <summary>The system calls the capture initramfs' first process needs; injectable for tests.</summary>
public interface ICaptureSystem
{
    void Mount(string source, string target, string fileSystemType);

    /// <summary>Loads a kernel module from a file in the initramfs.</summary>
    void LoadModule(string path);

    /// <summary>Restarts the machine (PID 1 must never just exit: the kernel would panic).</summary>
    void Reboot();
}

/// <summary>
/// What /init (a link to nkdump) does before `nkdump save`: mount /proc, /sys, /dev (devtmpfs) and
/// /run, then load the modules listed in /etc/nkdump/modules.load in order. A module that fails to
/// load is reported and skipped: the dump may still succeed without it.
/// </summary>
public sealed class CaptureInit(ICaptureSystem system, TextWriter log)
{
    public void Prepare(string modulesLoadFile)
    {
        foreach (var (source, target, type) in new[] { ("proc", "/proc", "proc"), ("sysfs", "/sys", "sysfs"), ("devtmpfs", "/dev", "devtmpfs"), ("tmpfs", "/run", "tmpfs") })
        {
            try
            {
                system.Mount(source, target, type);
            }
            catch (IOException e)
            {
                log.WriteLine($"nkdump init: cannot mount {type} on {target}: {e.Message}");
            }
        }

        if (!File.Exists(modulesLoadFile))
        {
            return;
        }

        foreach (var module in InputFile.ReadLines(modulesLoadFile, InputLimits.SystemText, "the module list").Where(l => l.Length > 0))
        {
            try
            {
                system.LoadModule(module);
                log.WriteLine($"nkdump init: loaded {module}");
            }
            catch (IOException e)
            {
                log.WriteLine($"nkdump init: cannot load {module}: {e.Message}");
            }
        }
    }
}

/// <summary>The real system calls: mount(2), finit_module(2) (syscall 313 on x86_64), reboot(2).</summary>
public sealed partial class LinuxCaptureSystem : ICaptureSystem
{
    private const long SysFinitModule = 313;
    private const int ModuleInitCompressedFile = 4; // Linux 6.6+: the kernel decompresses .ko.xz/.ko.zst/.ko.gz
    private const int EEXIST = 17;
    private const int RbAutoboot = 0x01234567;

    public void Mount(string source, string target, string fileSystemType)
    {
        if (MountNative(source, target, fileSystemType, 0, 0) != 0)
        {
            throw new IOException($"mount: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public unsafe void LoadModule(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var flags = path.EndsWith(".ko", StringComparison.Ordinal) ? 0 : ModuleInitCompressedFile;
        var empty = Encoding.ASCII.GetBytes("\0");
        fixed (byte* parameters = empty)
        {
            if (Syscall(SysFinitModule, (long)file.DangerousGetHandle(), parameters, flags) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EEXIST)
                {
                    throw new IOException($"finit_module: errno {errno}");
                }
            }
        }
    }

    public void Reboot() => RebootNative(RbAutoboot);

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountNative(string source, string target, string fileSystemType, ulong flags, nint data);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long fd, byte* parameters, long flags);

    [LibraryImport("libc", EntryPoint = "reboot", SetLastError = true)]
    private static partial int RebootNative(int command);
}
