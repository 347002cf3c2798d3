using Nkdump.Capture.Devices;
using Nkdump.Capture.Machine;
using Nkdump.Config;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Mounts the file system a dump goes to: a local one (device, UUID=, LABEL=, a virtiofs tag) at
/// /kdumproot, the root file system (root= on the kernel command line; kdump-utils' $NEWROOT) at
/// /sysroot, or an NFS export at /kdumproot. Directories are made under the capture root.
/// </summary>
internal sealed class TargetMounter(CaptureRoot root, ICaptureMachine machine, CaptureLog log)
{
    public const string TargetMountPoint = "/kdumproot";
    public const string RootMountPoint = "/sysroot";

    /// <summary>Mounts a <c>FSTYPE DEVICE</c> target; returns the mount point.</summary>
    public string MountLocal(DumpTarget target)
    {
        var type = target.FileSystemType!;
        if (type != "virtiofs")
        {
            ActivateStorage();
        }

        var source = type == "virtiofs"
            ? target.Value
            : new BlockDevices(root).Resolve(target.Value)
                ?? throw new CaptureFailedException($"dump target '{target.Directive} {target.Value}' not found: no such device");
        return Mount(source, TargetMountPoint, type, null);
    }

    /// <summary>Mounts the root file system named by root= (with rootfstype=, rootflags=) on the capture kernel's command line.</summary>
    public string MountRootFileSystem()
    {
        var commandLine = ReadCommandLine(root);
        var rootSpec = KernelParameter(commandLine, "root")
            ?? throw new CaptureFailedException("no root= on the kernel command line: cannot find the root file system for 'path'");
        ActivateStorage();
        var device = new BlockDevices(root).Resolve(rootSpec)
            ?? throw new CaptureFailedException($"the root file system root={rootSpec} not found: no such device");
        var type = KernelParameter(commandLine, "rootfstype") ?? Superblock.Probe(device)?.Type
            ?? throw new CaptureFailedException($"{device}: no ext2/3/4, xfs or btrfs superblock and no rootfstype= given");
        if (type is "ext2" or "ext3")
        {
            type = "ext4"; // Debian's kernels serve ext2/3 with the ext4 driver (CONFIG_EXT4_USE_FOR_EXT2)
        }

        return Mount(device, RootMountPoint, type, KernelParameter(commandLine, "rootflags"));
    }

    /// <summary>Assembles the md arrays and activates the LVM volume groups the initramfs names (none for most targets).</summary>
    private void ActivateStorage() => StorageStacks.Activate(root, log);

    /// <summary>Mounts an <c>nfs server:/export</c> target (see <see cref="NfsMount"/>); returns the mount point.</summary>
    public string MountNfs(DumpTarget target, string serverAddress)
    {
        var mountPoint = root.Resolve(TargetMountPoint);
        Directory.CreateDirectory(mountPoint);
        IOException? last = null;
        foreach (var (type, options) in NfsMount.Attempts(serverAddress))
        {
            log.Info($"mounting {target.Value} on {TargetMountPoint} (-t {type} -o {options})");
            try
            {
                machine.Mount(NfsMount.Source(target.Value, serverAddress), mountPoint, type, options);
                return mountPoint;
            }
            catch (IOException e)
            {
                log.Warning(e.Message);
                last = e;
            }
        }

        throw new CaptureFailedException($"cannot mount the NFS export {target.Value}: {last?.Message}");
    }

    private string Mount(string source, string mountPointPath, string type, string? options)
    {
        var mountPoint = root.Resolve(mountPointPath);
        Directory.CreateDirectory(mountPoint);
        log.Info($"mounting {source} ({type}) on {mountPointPath}");
        try
        {
            machine.Mount(source, mountPoint, type, options);
        }
        catch (IOException e)
        {
            throw new CaptureFailedException($"cannot mount the dump target: {e.Message}", e);
        }

        return mountPoint;
    }

    /// <summary>The capture kernel's command line (/proc/cmdline under the root), or "" when unreadable.</summary>
    public static string ReadCommandLine(CaptureRoot root)
    {
        try
        {
            return InputFile.ReadAllText(root.Resolve("/proc/cmdline"), InputLimits.SystemText, "the kernel command line").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The value of the last <c>name=value</c> on a kernel command line (the kernel's rule), or null.</summary>
    public static string? KernelParameter(string commandLine, string name)
    {
        string? value = null;
        foreach (var word in commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Length > name.Length && word.StartsWith(name, StringComparison.Ordinal) && word[name.Length] == '=')
            {
                value = word[(name.Length + 1)..].Trim('"');
            }
        }

        return value;
    }
}
