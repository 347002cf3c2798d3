namespace Nkdump.Capture.Devices;

/// <summary>
/// Assembles the md RAID arrays under the dump target or the root file system, when the capture
/// initramfs says there are some (Nkdump.Setup's MdStack writes <see cref="ArraysFile"/> and an
/// mdadm.conf that ignores the home host): `mdadm --assemble --scan --run`. The kernel's own
/// autodetection only assembles 0.90 superblocks on partitions of type fd, never the 1.x
/// superblocks mdadm writes by default, so mdadm does it, as the host's initramfs does. Its exit
/// status is logged, not fatal: an array that is already running makes it fail too, and a target
/// that really is missing is reported by the device lookup that follows, by name.
/// </summary>
internal sealed class MdAssembly(CaptureRoot root, CaptureLog log, ProgramRunner run)
{
    public const string ArraysFile = "/etc/nkdump/md-arrays";
    public const string MdadmProgram = "/usr/sbin/mdadm";

    public static readonly IReadOnlyList<string> Arguments = ["--assemble", "--scan", "--run"];

    public void AssembleIfPlanned()
    {
        if (!File.Exists(root.Resolve(ArraysFile)))
        {
            return;
        }

        log.Info($"running mdadm {string.Join(' ', Arguments)}");
        var status = run(MdadmProgram, Arguments);
        if (status != 0)
        {
            log.Warning($"mdadm {string.Join(' ', Arguments)} exited with status {status}");
        }
    }
}

/// <summary>The storage stacks under a local target, brought up before its device is looked up: md arrays first (LVM may sit on them), then LVM volume groups.</summary>
internal static class StorageStacks
{
    public static void Activate(CaptureRoot root, CaptureLog log)
    {
        var run = LvmActivation.Processes(root, log);
        new MdAssembly(root, log, run).AssembleIfPlanned();
        new LvmActivation(root, log, run).ActivateIfPlanned();
    }
}
