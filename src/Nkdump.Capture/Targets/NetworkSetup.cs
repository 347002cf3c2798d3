using System.Net;
using Nkdump.Capture.Machine;
using Nkdump.Config;
using Nkdump.Config.Network;

namespace Nkdump.Capture.Targets;

/// <summary>
/// A static IPv4 setting for the capture kernel, in the kernel's and dracut's ip= syntax:
/// ip=&lt;client-ip&gt;:&lt;server-ip&gt;:&lt;gw-ip&gt;:&lt;netmask&gt;:&lt;hostname&gt;:&lt;device&gt;:&lt;autoconf&gt;
/// (Documentation/admin-guide/nfs/nfsroot.rst); server, hostname and autoconf are not used.
/// </summary>
internal sealed record IpSetting(IPAddress Address, IPAddress Netmask, IPAddress? Gateway, string? Device)
{
    /// <summary>The setting in an ip= value, or null when the value is not a static IPv4 one (dhcp, off…).</summary>
    public static IpSetting? Parse(string value)
    {
        var fields = value.Split(':');
        if (fields.Length < 4 || !IPAddress.TryParse(fields[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return null;
        }

        IPAddress? gateway = null;
        if (fields[2].Length > 0 && !IPAddress.TryParse(fields[2], out gateway))
        {
            return null;
        }

        if (!IPAddress.TryParse(fields[3], out var netmask))
        {
            return null;
        }

        return new IpSetting(address, netmask, gateway, fields.Length > 5 && fields[5].Length > 0 ? fields[5] : null);
    }
}

/// <summary>
/// Brings the network up for ssh and NFS targets: loopback, then the ip= setting of the capture
/// kernel's command line (the host puts it there, e.g. with kdump_commandline_append). Without udev
/// the capture kernel names interfaces eth0, eth1…, not the host's predictable names: when the named
/// device does not exist and only one other interface does, that one is used.
/// </summary>
internal sealed class NetworkSetup(CaptureRoot root, ICaptureMachine machine, ICaptureNetwork network, CaptureLog log)
{
    /// <summary>Brings the network up; returns the derived plan when it was used (its pinned server address), else null.</summary>
    public CaptureNetwork? Bring(string commandLine)
    {
        var value = TargetMounter.KernelParameter(commandLine, "ip");
        if (value is null)
        {
            // No ip= by hand: the network `nkdump start` derived from the host's route, when there is one.
            var file = root.Resolve(CaptureNetwork.FilePath);
            if (File.Exists(file))
            {
                CaptureNetwork plan;
                try
                {
                    plan = CaptureNetwork.Parse(File.ReadAllText(file));
                }
                catch (ConfigException e)
                {
                    throw new CaptureFailedException(e.Message, e);
                }

                new DerivedNetworkSetup(root, machine, network, log).Apply(plan);
                return plan;
            }

            log.Info("no ip= on the kernel command line: assuming the network is already configured");
            return null;
        }

        var setting = IpSetting.Parse(value)
            ?? throw new CaptureFailedException($"ip={value}: only the static form client-ip::gateway:netmask:hostname:device:none is supported");
        var device = ChooseDevice(setting.Device);
        log.Info($"configuring {device}: {setting.Address} netmask {setting.Netmask}{(setting.Gateway is null ? "" : $" gateway {setting.Gateway}")}");
        try
        {
            machine.BringUp("lo");
            machine.ConfigureInterface(device, setting.Address, setting.Netmask, setting.Gateway);
        }
        catch (IOException e)
        {
            throw new CaptureFailedException($"cannot configure the network: {e.Message}", e);
        }

        return null;
    }

    private string ChooseDevice(string? named)
    {
        var net = root.Resolve("/sys/class/net");
        var present = Directory.Exists(net)
            ? Directory.EnumerateFileSystemEntries(net).Select(Path.GetFileName).OfType<string>().Where(n => n != "lo").Order(StringComparer.Ordinal).ToList()
            : [];
        if (named is not null && present.Contains(named))
        {
            return named;
        }

        if (present.Count == 1)
        {
            if (named is not null)
            {
                log.Info($"no interface {named} here; using {present[0]}, the only one");
            }

            return present[0];
        }

        throw new CaptureFailedException(present.Count == 0
            ? "no network interface (is the network driver in the capture initramfs?)"
            : $"ip= names {named ?? "no interface"}; the interfaces here are {string.Join(", ", present)}");
    }
}
