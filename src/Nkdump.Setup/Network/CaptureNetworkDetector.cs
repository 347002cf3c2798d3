using System.Net;
using System.Net.Sockets;
using Nkdump.Config;
using Nkdump.Config.Network;
using Nkdump.Formats;

namespace Nkdump.Setup.Network;

/// <summary>
/// Derives the capture network from the running system, as an administrator would read it from
/// `ip route get SERVER` and `ip -d addr`: the route's output interface, what kind of link it is
/// (a NIC, or a VLAN, an active-backup bond or a bridge over NICs), its NICs by MAC address (a bond's
/// slaves by their permanent MAC: in active-backup they all wear the bond's), and how the address
/// came: an IPv4 address without IFA_F_PERMANENT has a DHCP lease, an IPv6 one came from router
/// advertisements (SLAAC); a permanent one is static and is copied with its prefix and gateway.
/// </summary>
public static class CaptureNetworkDetector
{
    /// <summary>A hand-written ip= in kdump_commandline_append wins: nothing is derived then.</summary>
    public static bool HasHandWrittenIp(KdumpConfig config) => config.CommandLineAppend.Any(w => w.StartsWith("ip=", StringComparison.Ordinal));

    /// <summary>The server's host name or address of an ssh (user@host) or NFS (host:/export) target, or null for local targets.</summary>
    public static string? ServerName(DumpTarget target)
    {
        switch (target.Kind)
        {
            case DumpTargetKind.Ssh:
                return target.Value[(target.Value.IndexOf('@') + 1)..].Trim('[', ']');
            case DumpTargetKind.Nfs:
                var value = target.Value;
                if (value.StartsWith('['))
                {
                    var close = value.IndexOf(']');
                    return close > 0 ? value[1..close] : value;
                }

                var colon = value.IndexOf(':');
                return colon > 0 ? value[..colon] : value;
            default:
                return null;
        }
    }

    /// <summary>
    /// The capture network for <paramref name="config"/>, or null when the target is local or ip= is
    /// written by hand. The server's name is resolved here and pinned (<paramref name="resolve"/>:
    /// DNS; the capture initramfs carries no resolver). An unknown server, no route, or a link
    /// nkdump cannot rebuild is a NkdumpException that says what to do.
    /// </summary>
    public static CaptureNetwork? Detect(KdumpConfig config, INetworkProbe probe, Func<string, IPAddress[]> resolve)
    {
        if (HasHandWrittenIp(config) || ServerName(config.Target) is not { } name)
        {
            return null;
        }

        var server = Pin(name, resolve);
        var route = probe.RouteTo(server);
        var links = probe.Links();
        var link = links.FirstOrDefault(l => l.Index == route.OutputInterface)
            ?? throw new NkdumpException($"the route to {server} leaves through interface {route.OutputInterface}, which netlink does not list");
        if (link.Name == "lo")
        {
            throw new NkdumpException($"{server} is this machine (the route goes through lo): the capture kernel cannot reach it");
        }

        var (kind, members) = Shape(link, links);
        var addresses = probe.Addresses().Where(a => a.Index == link.Index && a.Address.AddressFamily == server.AddressFamily).ToList();
        var address = addresses.FirstOrDefault(a => route.PreferredSource is { } source && a.Address.Equals(source))
            ?? addresses.FirstOrDefault(a => a.Scope is 0 or 200)   // RT_SCOPE_UNIVERSE, RT_SCOPE_SITE (fec0::/10)
            ?? throw new NkdumpException($"{link.Name} carries the route to {server} but has no global {(server.AddressFamily == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        var v4 = server.AddressFamily == AddressFamily.InterNetwork;
        var method = (v4, address.IsPermanent) switch
        {
            (true, false) => AddressMethod.Dhcp4,
            (true, true) => AddressMethod.Static4,
            (false, false) => AddressMethod.Slaac6,
            _ => AddressMethod.Static6,
        };
        var isStatic = method is AddressMethod.Static4 or AddressMethod.Static6;
        return new CaptureNetwork(server, link.Name, link.Mac ?? throw new NkdumpException($"{link.Name} has no MAC address: the capture kernel could not find it"),
            kind, method, isStatic ? $"{address.Address}/{address.Prefix}" : null, isStatic ? route.Gateway : null,
            link.VlanId, kind == LinkKind.Bond ? BondModeName(link.BondMode) : null, members);
    }

    /// <summary>An address as written, else the resolver's first answer (pinned: the capture kernel does not resolve names).</summary>
    private static IPAddress Pin(string name, Func<string, IPAddress[]> resolve)
    {
        if (IPAddress.TryParse(name, out var literal))
        {
            return literal;
        }

        try
        {
            return resolve(name).FirstOrDefault() ?? throw new NkdumpException($"cannot resolve the dump server '{name}': no address");
        }
        catch (SocketException e)
        {
            throw new NkdumpException($"cannot resolve the dump server '{name}': {e.Message}");
        }
    }

    /// <summary>The link's kind and the NICs under it, by MAC.</summary>
    private static (LinkKind Kind, IReadOnlyList<string> Members) Shape(NetLink link, IReadOnlyList<NetLink> links)
    {
        string Nic(NetLink nic, string role) => nic.Kind is null or "veth" or "tun"
            ? nic.PermanentMac ?? nic.Mac ?? throw new NkdumpException($"{nic.Name}, {role} {link.Name}, has no MAC address")
            : throw new NkdumpException($"{nic.Name} ({nic.Kind}), {role} {link.Name}: nkdump rebuilds one layer over NICs only; write ip= in kdump_commandline_append and add the modules with extra_modules");
        var under = links.Where(l => l.Master == link.Index).OrderBy(l => l.Index).ToList();
        switch (link.Kind)
        {
            case null or "veth" or "tun":
                return (LinkKind.Plain, []);
            case "vlan":
                var parent = links.FirstOrDefault(l => l.Index == link.Parent)
                    ?? throw new NkdumpException($"{link.Name} is a VLAN whose parent interface {link.Parent} is not listed");
                return (LinkKind.Vlan, [Nic(parent, "the parent of")]);
            case "bond":
                if (link.BondMode != 1)
                {
                    throw new NkdumpException($"{link.Name} is a bond in mode {BondModeName(link.BondMode)}: the capture kernel sets up active-backup bonds only (one NIC is enough to send a dump); write ip= by hand for this one");
                }

                return under.Count > 0 ? (LinkKind.Bond, under.Select(s => Nic(s, "a slave of")).ToList()) : throw new NkdumpException($"the bond {link.Name} has no slaves");
            case "bridge":
                return under.Count > 0 ? (LinkKind.Bridge, under.Select(p => Nic(p, "a port of")).ToList()) : throw new NkdumpException($"the bridge {link.Name} has no ports");
            default:
                throw new NkdumpException($"the route to the dump server goes through {link.Name}, a {link.Kind} link nkdump cannot rebuild in the capture kernel: write ip= in kdump_commandline_append");
        }
    }

    /// <summary>The bonding driver's mode names (include/uapi/linux/if_bonding.h BOND_MODE_*).</summary>
    private static string BondModeName(int? mode) => mode switch
    {
        0 => "balance-rr",
        1 => "active-backup",
        2 => "balance-xor",
        3 => "broadcast",
        4 => "802.3ad",
        5 => "balance-tlb",
        6 => "balance-alb",
        _ => "unknown",
    };
}
