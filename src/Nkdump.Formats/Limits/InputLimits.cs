namespace Nkdump.Formats.IO;

/// <summary>
/// The most nkdump reads of each kind of input file, in one place (issue 17). Each is far beyond
/// what a real file of that kind holds and far below what would hurt a small capture kernel; a
/// larger file is refused with a message naming it (<see cref="InputFile"/>).
/// </summary>
public static class InputLimits
{
    /// <summary>kdump.conf: a few kilobytes in practice.</summary>
    public const long KdumpConfig = 1 << 20;

    /// <summary>Text files of the system read whole: /proc/cmdline, /proc/cpuinfo (hundreds of KiB on large machines), boot loader entries, /etc/default/grub, /etc/passwd, modules.load.</summary>
    public const long SystemText = 16 << 20;

    /// <summary>Module lists of a kernel release (modules.dep, modules.alias: about 1 MiB each) and its build configuration.</summary>
    public const long ModuleIndex = 64 << 20;

    /// <summary>root's known_hosts: one line per server, a few hundred bytes each.</summary>
    public const long KnownHosts = 16 << 20;

    /// <summary>A VMCOREINFO file (-i): real notes are 3-5 KiB.</summary>
    public const long VmcoreInfoFile = VmcoreInfo.MaxSize;

    /// <summary>A System.map: 4-8 MiB for a distribution kernel.</summary>
    public const long SystemMap = 256 << 20;

    /// <summary>Any one file copied into the capture initramfs (nkdump, libraries, modules, hooks): a cpio newc entry holds less than 4 GiB.</summary>
    public const long InitramfsInput = 1L << 30;
}
