using Nkdump.Config;
using Nkdump.Config.Network;
using Nkdump.Formats;
using Nkdump.Formats.Elf;
using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Setup.Initramfs;

/// <summary>What goes into a capture initramfs, decided from the configuration and the system under the root.</summary>
/// <param name="Network">The capture network derived from the host (null: local target, ip= by hand, or not derived, as under --root).</param>
internal sealed record InitramfsInputs(string Release, string NkdumpBinary, KdumpConfig Config, string ConfigFile, CaptureNetwork? Network = null);

/// <summary>The planned contents (sorted, parents first) and the module load order.</summary>
public sealed record InitramfsPlan(IReadOnlyList<InitramfsEntry> Entries, IReadOnlyList<string> ModuleLoadOrder, IReadOnlyList<string> Notes);

/// <summary>
/// Decides the capture initramfs' contents: nkdump as /usr/sbin/nkdump with /init and
/// /usr/sbin/makedumpfile linking to it, its shared libraries, busybox only when the configuration
/// needs a shell, hooks and extra_bins, the target's and extra_modules' kernel modules with their
/// dependencies, and kdump.conf.
/// </summary>
public sealed class InitramfsPlanner(HostRoot root)
{
    public const string BinaryPath = "/usr/sbin/nkdump";
    public const string ModulesLoadPath = "/etc/nkdump/modules.load";

    /// <summary>The libraries nkdump's zlib pages prefer, best first (Nkdump.Formats' ZlibCodec).</summary>
    public static readonly IReadOnlyList<string> ZlibLibraries = ["libdeflate.so.0", "libz.so.1"];

    /// <summary>Where `nkdump save` looks for them (Nkdump.Capture's SaveSettings; Setup does not reference Capture).</summary>
    public const string KnownHostsFile = "/root/.ssh/known_hosts";
    public const string SshConfigFile = "/root/.ssh/config";

    internal InitramfsPlan Plan(InitramfsInputs inputs)
    {
        var entries = new Dictionary<string, InitramfsEntry>(StringComparer.Ordinal);
        var notes = new List<string>();
        void Add(InitramfsEntry e) => entries.TryAdd(e.Path, e);
        var libraries = new SharedLibraryResolver(root);
        void AddProgram(string pathInRoot, string imagePath)
        {
            var real = RootPaths.Resolve(root, pathInRoot) ?? throw new NkdumpException($"{root.Resolve(pathInRoot)} does not exist");
            var realOnDisk = root.Resolve(real);
            if (UnixFileStatus.Stat(realOnDisk) is { Kind: not UnixFileKind.Regular } status)
            {
                // Checked before anything opens it: a FIFO would block, a device never end.
                throw new NkdumpException($"{realOnDisk} is {status.KindName}, not a program or file to put in the capture initramfs");
            }

            var mode = (uint)File.GetUnixFileMode(realOnDisk) & 0x1FF;
            Add(InitramfsEntry.FromFile(imagePath, realOnDisk, mode | 0x100 /* u+r */));
            if (ElfFile.IsElf(realOnDisk))
            {
                foreach (var (path, source) in libraries.Resolve(pathInRoot))
                {
                    Add(InitramfsEntry.FromFile(path, root.Resolve(source), 0x1ED));
                }
            }
        }

        AddProgram(inputs.NkdumpBinary, BinaryPath);

        // nkdump's zlib codec loads these at run time (DT_NEEDED does not name them): carry the ones
        // the host has (libdeflate, else the system zlib; else a built-in one is used). LZO pages are
        // compressed and decompressed by nkdump's own code, so no LZO library goes in.
        foreach (var codecLibrary in ZlibLibraries)
        {
            if (libraries.FindLibrary(codecLibrary) is { } found)
            {
                Add(InitramfsEntry.FromFile(found.Path, root.Resolve(found.Source), 0x1ED));
            }
        }

        Add(InitramfsEntry.Link("/init", BinaryPath));
        Add(InitramfsEntry.Link("/usr/sbin/makedumpfile", "nkdump"));
        Add(InitramfsEntry.FromFile("/etc/kdump.conf", inputs.ConfigFile, 0x1A4));
        Add(InitramfsEntry.FromText("/etc/nkdump/release", inputs.Release + "\n"));
        if (root.FirstExisting("/etc/hostname") is { } hostname)
        {
            // The dump directory is named after the host, as kdump-utils does.
            Add(InitramfsEntry.FromFile(hostname, root.Resolve(hostname), 0x1A4));
        }
        foreach (var dir in new[] { "/proc", "/sys", "/dev", "/run", "/tmp", "/mnt", "/var/crash" })
        {
            Add(InitramfsEntry.Dir(dir));
        }

        // The kernel opens /dev/console for init's standard streams before /dev is mounted.
        Add(InitramfsEntry.Device("/dev/console", 5, 1));
        Add(InitramfsEntry.Device("/dev/null", 1, 3));
        Add(InitramfsEntry.Device("/dev/kmsg", 1, 11));

        var config = inputs.Config;
        if (config.NeedsShell)
        {
            var busybox = root.FirstExisting("/usr/bin/busybox", "/bin/busybox", "/usr/sbin/busybox", "/sbin/busybox")
                ?? throw new NkdumpException($"the configuration needs a shell (kdump_pre, kdump_post, kdump_emergency or failure_action shell) but busybox is not installed under {root}");
            AddProgram(busybox, "/bin/busybox");
            Add(InitramfsEntry.Link("/bin/sh", "busybox"));
            Add(InitramfsEntry.Link("/bin/bash", "busybox"));
            notes.Add("busybox included as /bin/sh (and /bin/bash) for the hooks or the shell failure action");
        }

        foreach (var program in new[] { config.KdumpPre, config.KdumpPost, config.KdumpEmergency }.OfType<string>().Concat(config.ExtraBins))
        {
            AddProgram(program, program);
        }

        foreach (var hookDir in new[] { "/etc/kdump/pre.d", "/etc/kdump/post.d", "/etc/kdump/emergency.d" })
        {
            var real = root.Resolve(hookDir);
            if (Directory.Exists(real))
            {
                foreach (var file in Directory.GetFiles(real).Order(StringComparer.Ordinal))
                {
                    AddProgram($"{hookDir}/{Path.GetFileName(file)}", $"{hookDir}/{Path.GetFileName(file)}");
                }
            }
        }

        if (config.Target.Kind == DumpTargetKind.Ssh)
        {
            if (root.FirstExisting("/usr/bin/ssh", "/bin/ssh") is { } ssh)
            {
                AddProgram(ssh, "/usr/bin/ssh");
            }
            else
            {
                notes.Add("ssh target, but no ssh client under the root: the capture side must bring its own");
            }

            if (File.Exists(root.Resolve(config.SshKey)))
            {
                Add(InitramfsEntry.FromFile(config.SshKey, root.Resolve(config.SshKey), 0x180));
            }

            AddSshFiles(Add, notes);
        }

        if (FindStack(config, EncryptedVolume.Find) is { } encrypted)
        {
            throw new NkdumpException(encrypted.Refusal(inputs.Release, KernelBuildConfig.Load(root, inputs.Release)));
        }

        if (inputs.Network is { } network)
        {
            Add(InitramfsEntry.FromText(CaptureNetwork.FilePath, network.Format()));
            notes.Add($"capture network: {network.Describe()}");
        }

        if (config.S3 is { } s3)
        {
            S3InitramfsFiles.Add(root, s3, libraries, Add, notes);
        }

        var lvm = FindLvm(config);
        if (lvm is not null)
        {
            // The capture kernel has no udev and no initramfs-tools hook: nkdump runs the host's lvm itself.
            var lvmBinary = root.FirstExisting("/usr/sbin/lvm", "/sbin/lvm")
                ?? throw new NkdumpException($"the dump target or root file system is on the LVM volume group {lvm.VolumeGroup} but lvm is not installed under {root}");
            AddProgram(lvmBinary, "/usr/sbin/lvm");
            Add(InitramfsEntry.FromText(LvmStack.VolumeGroupsPath, lvm.VolumeGroup + "\n"));
            notes.Add($"LVM: volume group {lvm.VolumeGroup} is activated in the capture kernel (dm_mod, lvm)");
        }

        var md = FindStack(config, MdStack.Find);
        if (md is not null)
        {
            // The kernel's autodetection cannot assemble 1.x superblocks: the capture runs mdadm.
            var mdadm = root.FirstExisting("/usr/sbin/mdadm", "/sbin/mdadm")
                ?? throw new NkdumpException($"the dump target or root file system is on the md array {md.Array} but mdadm is not installed under {root}");
            AddProgram(mdadm, "/usr/sbin/mdadm");
            Add(InitramfsEntry.FromText(MdStack.ArraysPath, md.Array + "\n"));
            Add(InitramfsEntry.FromText(MdStack.MdadmConfPath, MdStack.MdadmConf));
            notes.Add($"md RAID: {md.Array} ({md.Level}) is assembled in the capture kernel by mdadm (md_mod and the RAID level's module)");
        }

        var stackModules = (lvm is null ? [] : lvm.PhysicalVolumeModules.Append("dm_mod")).Concat(md?.Modules ?? []).ToList();
        var loadOrder = PlanModules(inputs, entries, notes, stackModules);
        Add(InitramfsEntry.FromText(ModulesLoadPath, string.Concat(loadOrder.Select(m => m + "\n"))));

        // Every parent directory, explicitly, so the kernel creates them with known modes.
        foreach (var path in entries.Keys.ToList())
        {
            for (var parent = Path.GetDirectoryName(path); parent is { Length: > 1 }; parent = Path.GetDirectoryName(parent))
            {
                Add(InitramfsEntry.Dir(parent));
            }
        }

        var sorted = entries.Values.OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
        return new InitramfsPlan(sorted, loadOrder, notes);
    }

    /// <summary>
    /// What the ssh client needs besides its key (found in the QEMU e2e run): root's known_hosts, since
    /// save checks the host key strictly and BatchMode never asks; root's ssh config when there is one
    /// (a port, a user); and an /etc/passwd naming root, without which ssh stops at once ("No user
    /// exists for uid 0"). Only root's line is carried: the capture kernel runs as root alone.
    /// </summary>
    private void AddSshFiles(Action<InitramfsEntry> add, List<string> notes)
    {
        if (root.FirstExisting(KnownHostsFile) is { } knownHosts)
        {
            add(InitramfsEntry.FromFile(knownHosts, root.Resolve(knownHosts), 0x1A4));
        }
        else
        {
            notes.Add($"ssh target, but no {KnownHostsFile}: the capture kernel checks the server's host key and will refuse it (connect once with ssh as root to record it)");
        }

        if (root.FirstExisting(SshConfigFile) is { } sshConfig)
        {
            add(InitramfsEntry.FromFile(sshConfig, root.Resolve(sshConfig), 0x1A4));
        }

        add(InitramfsEntry.FromText("/etc/passwd", RootPasswdLine() + "\n"));
    }

    /// <summary>root's line of /etc/passwd under the root, or the usual one.</summary>
    private string RootPasswdLine()
    {
        var passwd = root.Resolve("/etc/passwd");
        var line = File.Exists(passwd) ? InputFile.ReadLines(passwd, InputLimits.SystemText, "/etc/passwd").FirstOrDefault(l => l.StartsWith("root:", StringComparison.Ordinal)) : null;
        return line ?? "root:x:0:0:root:/root:/bin/sh";
    }

    /// <summary>The file-system module a target needs, by kernel module name.</summary>
    public static IReadOnlyList<string> TargetModules(DumpTarget target) => FileSystemModules(target.FileSystemType);

    /// <summary>The modules that serve a file-system type, by kernel module name.</summary>
    public static IReadOnlyList<string> FileSystemModules(string? type) => type switch
    {
        null => [],
        "nfs" => ["nfs", "nfsv3", "nfsv4"],
        "ext2" or "ext3" => [type, "ext4"],
        { } fs => [fs],
    };

    /// <summary>The capture mounts the root file system for path targets and for failure_action dump_to_rootfs.</summary>
    private static bool NeedsRootFileSystem(KdumpConfig config) =>
        config.Target.Kind == DumpTargetKind.RootFileSystem || config.FailureAction == FailureAction.DumpToRootfs;

    /// <summary>The LVM stack under a local target, else under the root file system (root= of the running kernel) when the capture mounts it.</summary>
    private LvmStack? FindLvm(KdumpConfig config) => FindStack(config, LvmStack.Find);

    /// <summary>A storage stack (<paramref name="find"/>) under a local target, else under the root file system when the capture mounts it.</summary>
    private T? FindStack<T>(KdumpConfig config, Func<HostRoot, string, T?> find)
        where T : class =>
        (config.Target.Kind is DumpTargetKind.Raw or DumpTargetKind.FileSystem ? find(root, config.Target.Value) : null)
        ?? (NeedsRootFileSystem(config) && HostKernelParameter("root") is { } device ? find(root, device) : null);

    /// <summary>A parameter of the running kernel's command line (the capture kernel gets root= and rootfstype= from it), or null.</summary>
    private string? HostKernelParameter(string name) =>
        root.TryReadText("/proc/cmdline")?.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => p.StartsWith(name + "=", StringComparison.Ordinal)).Select(p => p[(name.Length + 1)..]).LastOrDefault();

    /// <summary>The root file system's type: rootfstype=, else the type / is mounted with in /proc/mounts; null when unknown.</summary>
    private string? HostRootFileSystemType() =>
        HostKernelParameter("rootfstype")
        ?? root.TryReadText("/proc/mounts")?.Split('\n').Select(l => l.Split(' ')).Where(f => f.Length > 2 && f[1] == "/" && f[2] != "rootfs").Select(f => f[2]).LastOrDefault();

    private List<string> PlanModules(InitramfsInputs inputs, Dictionary<string, InitramfsEntry> entries, List<string> notes, IReadOnlyList<string> stackModules)
    {
        var config = inputs.Config;
        var wanted = TargetModules(config.Target).ToList();
        if (NeedsRootFileSystem(config) && HostRootFileSystemType() is { } rootType)
        {
            // Debian builds ext4 as a module: without it the capture cannot mount the root file system.
            wanted.AddRange(FileSystemModules(rootType).Where(m => !wanted.Contains(m)));
        }

        IReadOnlyList<string> drivers = config.Target.Kind switch
        {
            DumpTargetKind.Raw or DumpTargetKind.FileSystem => BlockDeviceModules.Find(root, config.Target.Value),
            DumpTargetKind.Ssh or DumpTargetKind.Nfs or DumpTargetKind.S3 => NetworkDeviceModules.Find(root),
            _ => [],
        };
        drivers = [.. drivers, .. stackModules];

        if (inputs.Network is { } network)
        {
            // 8021q, bonding or bridge for the link toward the server (none when built in).
            drivers = [.. drivers, .. network.LinkModules];
        }

        if (wanted.Count == 0 && drivers.Count == 0 && config.ExtraModules.Count == 0)
        {
            return [];
        }

        var modules = KernelModules.Load(root, inputs.Release);

        // ext2/ext3 are served by ext4 on current kernels, nfsv3/nfsv4 are optional: take what exists.
        var target = wanted.Where(m => modules.Contains(m) || modules.IsBuiltin(m)).ToList();
        if (target.Count == 0)
        {
            notes.Add($"no module for {config.Target.FileSystemType} in {modules.Directory}: assuming it is built into the kernel");
        }

        // Drivers found in sysfs are modules of the running kernel: take those this release has.
        var files = modules.Closure(drivers.Where(modules.Contains).Concat(target).Concat(config.ExtraModules), out var missing);
        if (missing.Count > 0)
        {
            throw new NkdumpException($"extra_modules: {string.Join(", ", missing)} not found in {root.Resolve(modules.Directory)}/modules.dep or modules.builtin");
        }

        var order = new List<string>();
        foreach (var file in files)
        {
            var inImage = $"{modules.Directory}/{file}";
            var source = RootPaths.Resolve(root, inImage) ?? throw new NkdumpException($"{root.Resolve(inImage)} is listed in modules.dep but missing");
            entries.TryAdd(inImage, InitramfsEntry.FromFile(inImage, root.Resolve(source), 0x1A4));
            order.Add(inImage);
        }

        return order;
    }
}
