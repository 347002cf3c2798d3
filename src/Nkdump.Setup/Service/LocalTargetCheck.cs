using Nkdump.Config;
using Nkdump.Formats;
using Nkdump.Setup.Initramfs;

namespace Nkdump.Setup.Service;

/// <summary>
/// `start`'s test of a local file-system target (issue 20, item 3): the device named by kdump.conf
/// (a path, UUID=, LABEL=, PARTUUID=, PARTLABEL=) exists on this machine, and the capture kernel can
/// mount the file system type, as a module of its release or built in (modules.builtin). The
/// initramfs builder only notes a missing module and assumes it is built in; at start that would be a
/// capture that cannot mount its target, so it is an error here when the release's module lists say so.
/// </summary>
internal static class LocalTargetCheck
{
    public static IEnumerable<string> Problems(HostRoot root, KdumpConfig config, string? release)
    {
        if (config.Target.Kind is not (DumpTargetKind.Raw or DumpTargetKind.FileSystem) || config.Target.Directive == "virtiofs")
        {
            yield break;
        }

        var device = KdumpService.DevicePath(config.Target.Value);
        if (device is not null && !Path.Exists(root.Resolve(device)))
        {
            yield return $"dump target {config.Target.Value} (line {config.Target.Line}): {device} does not exist";
        }

        if (release is not null && UnsupportedFileSystem(root, config, release) is { } problem)
        {
            yield return problem;
        }
    }

    private static string? UnsupportedFileSystem(HostRoot root, KdumpConfig config, string release)
    {
        var wanted = InitramfsPlanner.TargetModules(config.Target);
        if (wanted.Count == 0)
        {
            return null;
        }

        KernelModules modules;
        try
        {
            modules = KernelModules.Load(root, release);
        }
        catch (NkdumpException)
        {
            return null; // no module lists to judge by: the initramfs build reports that itself
        }

        if (!modules.HasBuiltinList || wanted.Any(m => modules.Contains(m) || modules.IsBuiltin(m)))
        {
            return null;
        }

        return $"dump target {config.Target.Directive} {config.Target.Value} (line {config.Target.Line}): kernel {release} cannot mount {config.Target.FileSystemType}: "
            + $"no {string.Join(" or ", wanted.Distinct())} module in {modules.Directory}/modules.dep and not built in (modules.builtin)";
    }
}
