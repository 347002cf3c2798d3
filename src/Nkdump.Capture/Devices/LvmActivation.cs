using Nkdump.Formats.IO;
using Nkdump.Formats.Limits;

namespace Nkdump.Capture.Devices;

/// <summary>Runs a program (a path under the capture root) with arguments; returns its exit status.</summary>
internal delegate int ProgramRunner(string program, IReadOnlyList<string> arguments);

/// <summary>
/// Activates the LVM volume groups the capture initramfs names (Nkdump.Setup's LvmStack writes
/// <see cref="VolumeGroupsFile"/> when the target or the root file system is a logical volume):
/// `lvm vgchange -ay --sysinit VG`, then `lvm vgmknodes VG` for /dev/mapper/VG-LV and /dev/VG/LV.
/// The capture kernel has no udevd, so udev synchronisation, udev rules and udev's device list are
/// switched off, and nothing may wait for or monitor through dmeventd. Without the file nothing runs.
/// </summary>
internal sealed class LvmActivation(CaptureRoot root, CaptureLog log, ProgramRunner run)
{
    public const string VolumeGroupsFile = "/etc/nkdump/lvm-vgs";
    public const string LvmProgram = "/usr/sbin/lvm";

    /// <summary>lvm.conf settings for a system without udev (the initramfs carries no lvm.conf).</summary>
    public const string NoUdevConfig =
        "activation { udev_sync=0 udev_rules=0 monitoring=0 } devices { obtain_device_list_from_udev=0 external_device_info_source=\"none\" } global { event_activation=0 }";

    /// <summary>Activates every listed volume group; throws <see cref="CaptureFailedException"/> when lvm fails.</summary>
    public void ActivateIfPlanned()
    {
        var file = root.Resolve(VolumeGroupsFile);
        if (!File.Exists(file))
        {
            return;
        }

        foreach (var group in InputFile.ReadLines(file, InputLimits.SystemText, VolumeGroupsFile).Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            foreach (var arguments in CommandLines(group))
            {
                log.Info($"running lvm {string.Join(' ', arguments)}");
                var status = run(LvmProgram, arguments);
                if (status != 0)
                {
                    throw new CaptureFailedException($"cannot activate the LVM volume group {group}: lvm {arguments[0]} exited with status {status}");
                }
            }
        }
    }

    /// <summary>The lvm command lines that activate <paramref name="group"/> and create its device nodes.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> CommandLines(string group) =>
    [
        ["vgchange", "--config", NoUdevConfig, "-ay", "--sysinit", group],
        ["vgmknodes", "--config", NoUdevConfig, group],
    ];

    /// <summary>The real runner: starts the program (a path under the capture root) and waits.</summary>
    public static ProgramRunner Processes(CaptureRoot root, CaptureLog log) =>
        (program, arguments) => ChildProcess.Run(root.Resolve(program), program, arguments, log);
}
