using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Nkdump.Setup.Kexec;

/// <summary>
/// The real loader: kexec_file_load(2), syscall 320 on x86_64 — long kexec_file_load(int kernel_fd,
/// int initrd_fd, unsigned long cmdline_len, const char *cmdline, unsigned long flags) — called
/// through libc's syscall(), since glibc has no wrapper. cmdline_len counts the terminating NUL.
/// Not exercised by the unit tests (they would load a kernel); the end-to-end suite proves it.
/// </summary>
public sealed partial class LinuxKexecLoader : IKexecLoader
{
    private const long SysKexecFileLoad = 320; // x86_64, arch/x86/entry/syscalls/syscall_64.tbl
    private const ulong KexecFileUnload = 0x1, KexecFileOnCrash = 0x2;

    public void LoadCrash(string kernel, string initramfs, string commandLine)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("kexec_file_load is wired for x86_64 only");
        }

        using var kernelFile = File.OpenHandle(kernel, FileMode.Open, FileAccess.Read);
        using var initrdFile = File.OpenHandle(initramfs, FileMode.Open, FileAccess.Read);
        var bytes = Encoding.UTF8.GetBytes(commandLine + "\0");
        Invoke(kernelFile, initrdFile, bytes, KexecFileOnCrash, kernel);
    }

    public void UnloadCrash() => Invoke(null, null, null, KexecFileOnCrash | KexecFileUnload, "");

    private static unsafe void Invoke(SafeFileHandle? kernel, SafeFileHandle? initrd, byte[]? commandLine, ulong flags, string kernelName)
    {
        var kernelFd = kernel is null ? -1L : (long)kernel.DangerousGetHandle();
        var initrdFd = initrd is null ? -1L : (long)initrd.DangerousGetHandle();
        long result;
        fixed (byte* line = commandLine)
        {
            result = Syscall(SysKexecFileLoad, kernelFd, initrdFd, (ulong)(commandLine?.Length ?? 0), line, flags);
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new KexecException(errno, KexecErrors.Describe(errno, kernelName));
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long Syscall(long number, long kernelFd, long initrdFd, ulong cmdlineLength, byte* cmdline, ulong flags);
}

/// <summary>
/// For root prefixes and tests: loads nothing into the kernel; records the request in
/// ROOT/var/lib/nkdump/kexec-request and flips ROOT/sys/kernel/kexec_crash_loaded, so status
/// and stop behave as they would on a machine. Not a test of kexec itself.
/// </summary>
public sealed class RootSimulatedKexecLoader(HostRoot root) : IKexecLoader
{
    public const string RequestPath = "/var/lib/nkdump/kexec-request";

    public void LoadCrash(string kernel, string initramfs, string commandLine)
    {
        var size = root.TryReadText("/sys/kernel/kexec_crash_size")?.Trim();
        if (size is null or "0")
        {
            throw new KexecException(KexecErrors.EADDRNOTAVAIL, KexecErrors.Describe(KexecErrors.EADDRNOTAVAIL, kernel));
        }

        Files.StateDirectory.Ensure(root);
        Files.AtomicFile.WriteText(root.Resolve(RequestPath), $"kernel {kernel}\ninitramfs {initramfs}\ncmdline {commandLine}\n");
        File.WriteAllText(root.Resolve("/sys/kernel/kexec_crash_loaded"), "1\n");
    }

    public void UnloadCrash()
    {
        if (File.Exists(root.Resolve("/sys/kernel/kexec_crash_loaded")))
        {
            File.WriteAllText(root.Resolve("/sys/kernel/kexec_crash_loaded"), "0\n");
        }

        File.Delete(root.Resolve(RequestPath));
    }
}
