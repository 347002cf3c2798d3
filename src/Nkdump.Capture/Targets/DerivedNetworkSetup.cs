using System.Globalization;
using System.Net;
using Nkdump.Capture.Machine;
using Nkdump.Config.Network;

namespace Nkdump.Capture.Targets;

/// <summary>
/// Brings up the network that `nkdump start` derived from the host (/etc/nkdump/network): the NIC
/// found by MAC address (the capture kernel's names are not the host's), or the VLAN, active-backup
/// bond or bridge built over the NICs found so, then DHCPv4, the static
/// IPv4 address, IPv6 SLAAC (the kernel's own, once the link is up) or the static IPv6 address. Each
/// step is logged; a step that fails is a capture error that names it.
/// </summary>
internal sealed class DerivedNetworkSetup(CaptureRoot root, ICaptureMachine machine, ICaptureNetwork network, CaptureLog log)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private const int NicWaitPolls = 50;       // 10 s for the driver to register the NIC
    private const int AddressWaitPolls = 150;  // 30 s for router advertisements and DAD

    public void Apply(CaptureNetwork plan)
    {
        try
        {
            var device = BuildLink(plan);
            machine.BringUp("lo");
            switch (plan.Method)
            {
                case AddressMethod.Dhcp4:
                    machine.BringUp(device);
                    var lease = network.Dhcp4(IfIndex(device), MacBytes(ReadSys($"/sys/class/net/{device}/address") ?? plan.Mac), log.Info);
                    log.Info($"configuring {device} by DHCP: {lease.Address} netmask {lease.Netmask}{(lease.Router is null ? "" : $" gateway {lease.Router}")} from {lease.Server}, lease {lease.LeaseSeconds} s");
                    machine.ConfigureInterface(device, lease.Address, lease.Netmask, lease.Router);
                    break;
                case AddressMethod.Static4:
                    CaptureNetwork.TryCidr(plan.Address!, out var address, out var prefix);
                    var netmask = Netmask(prefix);
                    log.Info($"configuring {device}: {address} netmask {netmask}{(plan.Gateway is null ? "" : $" gateway {plan.Gateway}")}");
                    machine.ConfigureInterface(device, address, netmask, plan.Gateway);
                    break;
                case AddressMethod.Slaac6:
                    machine.BringUp(device);
                    log.Info($"waiting for {device}'s IPv6 address from router advertisements (SLAAC)");
                    WaitForIpv6(device, needsDefaultRoute: true);
                    break;
                default:
                    CaptureNetwork.TryCidr(plan.Address!, out var address6, out var prefix6);
                    machine.BringUp(device);
                    log.Info($"configuring {device}: {address6}/{prefix6}{(plan.Gateway is null ? "" : $" gateway {plan.Gateway}")}");
                    network.AddIpv6(IfIndex(device), address6, prefix6);
                    if (plan.Gateway is not null)
                    {
                        network.AddIpv6DefaultRoute(IfIndex(device), plan.Gateway);
                    }

                    WaitForIpv6(device, needsDefaultRoute: false);
                    break;
            }
        }
        catch (IOException e)
        {
            throw new CaptureFailedException($"cannot configure the network ({plan.Describe()}): {e.Message}", e);
        }
    }

    /// <summary>
    /// The interface that carries the address: the NIC itself, or the VLAN, bond or bridge built over
    /// the NICs found by MAC, named as the host names them (bond0, br0…) or PARENT.ID for a VLAN.
    /// A bond's slaves join while down (the bonding driver refuses an up one), then come up with it.
    /// </summary>
    private string BuildLink(CaptureNetwork plan)
    {
        if (plan.Kind == LinkKind.Plain)
        {
            var nic = FindByMac(plan.Mac);
            log.Info($"capture network: {plan.Describe()}; the NIC {plan.Mac} is {nic} here");
            return nic;
        }

        var members = plan.MemberMacs.Select(FindByMac).ToList();
        if (members.Count == 0)
        {
            throw new CaptureFailedException($"{CaptureNetwork.FilePath}: a {plan.Kind.ToString().ToLowerInvariant()} without member NICs");
        }

        log.Info($"capture network: {plan.Describe()}; its NICs are {string.Join(", ", members)} here");
        string device;
        switch (plan.Kind)
        {
            case LinkKind.Vlan:
                device = $"{members[0]}.{plan.VlanId}";
                machine.BringUp(members[0]);
                network.AddLink(device, "vlan", IfIndex(members[0]), plan.VlanId ?? 0);
                break;
            default:
                // The host's name (bond0, br-lan…) unless an interface here already has it.
                var taken = plan.HostInterface.Length > 15 || Directory.Exists(root.Resolve($"/sys/class/net/{plan.HostInterface}"));
                device = !taken ? plan.HostInterface : plan.Kind == LinkKind.Bond ? "nkbond0" : "nkbr0";
                network.AddLink(device, plan.Kind == LinkKind.Bond ? "bond" : "bridge");
                foreach (var member in members)
                {
                    network.SetMaster(IfIndex(member), IfIndex(device));
                }

                foreach (var member in members)
                {
                    machine.BringUp(member);
                }

                break;
        }

        log.Info($"created {device} ({plan.Kind.ToString().ToLowerInvariant()}) over {string.Join(", ", members)}");
        return device;
    }

    /// <summary>The interface whose address is <paramref name="mac"/>, waiting for its driver to register it.</summary>
    private string FindByMac(string mac)
    {
        var net = root.Resolve("/sys/class/net");
        for (var i = 0; ; i++)
        {
            var found = Directory.Exists(net)
                ? Directory.EnumerateDirectories(net).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
                    .FirstOrDefault(n => ReadSys($"/sys/class/net/{n}/address")?.Equals(mac, StringComparison.OrdinalIgnoreCase) == true)
                : null;
            if (found is not null)
            {
                return found;
            }

            if (i >= NicWaitPolls)
            {
                var present = Directory.Exists(net) ? string.Join(", ", Directory.EnumerateDirectories(net).Select(d => $"{Path.GetFileName(d)} {ReadSys($"/sys/class/net/{Path.GetFileName(d)}/address")}")) : "none";
                throw new CaptureFailedException($"no network interface has the MAC address {mac} (interfaces here: {present}; is the NIC's driver in the capture initramfs?)");
            }

            network.Sleep(Poll);
        }
    }

    /// <summary>Waits until <paramref name="device"/> has a global IPv6 address past duplicate address detection (and a default route).</summary>
    private void WaitForIpv6(string device, bool needsDefaultRoute)
    {
        for (var i = 0; ; i++)
        {
            var address = GlobalIpv6(device);
            var route = !needsDefaultRoute || HasIpv6DefaultRoute(device);
            if (address is not null && route)
            {
                log.Info($"{device} has {address}{(needsDefaultRoute ? " and a default route" : "")}");
                return;
            }

            if (i >= AddressWaitPolls)
            {
                throw new IOException(address is null
                    ? $"{device} got no global IPv6 address within {AddressWaitPolls * Poll.TotalSeconds:0} s (no router advertisement?)"
                    : $"{device} has {address} but no IPv6 default route within {AddressWaitPolls * Poll.TotalSeconds:0} s");
            }

            network.Sleep(Poll);
        }
    }

    /// <summary>
    /// A line of /proc/net/if_inet6: address, ifindex, prefix, scope, flags, name (all hex but the
    /// name); scope 00 is global, 40 site-local (fec0::/10, still what QEMU's user network advertises
    /// by default); flag 0x40 is tentative.
    /// </summary>
    private string? GlobalIpv6(string device)
    {
        foreach (var fields in Lines("/proc/net/if_inet6"))
        {
            if (fields.Length >= 6 && fields[5] == device && fields[3] is "00" or "40" && fields[0].Length == 32
                && int.TryParse(fields[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags) && (flags & 0x40) == 0)
            {
                return new IPAddress(Convert.FromHexString(fields[0])).ToString();
            }
        }

        return null;
    }

    /// <summary>/proc/net/ipv6_route: destination, its length, source, its length, next hop, metric, refs, use, flags, device.</summary>
    private bool HasIpv6DefaultRoute(string device) =>
        Lines("/proc/net/ipv6_route").Any(f => f.Length >= 10 && f[9] == device && f[1] == "00" && f[0].All(c => c == '0'));

    private IEnumerable<string[]> Lines(string path)
    {
        var text = ReadSys(path) ?? "";
        return text.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private int IfIndex(string device) =>
        int.TryParse(ReadSys($"/sys/class/net/{device}/ifindex"), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : throw new IOException($"cannot read the interface index of {device}");

    private string? ReadSys(string path)
    {
        try
        {
            var real = root.Resolve(path);
            return File.Exists(real) ? File.ReadAllText(real).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static byte[] MacBytes(string mac) => Convert.FromHexString(mac.Replace(":", "", StringComparison.Ordinal));

    private static IPAddress Netmask(int prefix)
    {
        var bits = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        return new IPAddress([(byte)(bits >> 24), (byte)(bits >> 16), (byte)(bits >> 8), (byte)bits]);
    }
}
