using System.Buffers.Binary;
using System.Net;
using System.Text;
using Nkdump.Config;
using Nkdump.Config.Network;
using Nkdump.Formats;
using Nkdump.Setup.Network;

namespace Nkdump.Setup.Tests.Network;

/// <summary>
/// The capture network derived from rtnetlink answers: real ones captured in a network namespace
/// (<see cref="NetlinkCaptures"/>: veth, bridge, a leased and a static IPv4 address, a static IPv6
/// one), and built ones for what the machines here cannot make (VLAN, bond: no 8021q or bonding).
/// </summary>
public class CaptureNetworkDetectorTests
{
    /// <summary>A probe answering from captured bytes: the link and address dumps and one route answer per destination.</summary>
    private sealed class CapturedProbe(Dictionary<string, string> routes, string links = NetlinkCaptures.Links, string addresses = NetlinkCaptures.Addresses) : INetworkProbe
    {
        public IReadOnlyList<NetLink> Links() => Payloads(links, NetlinkMessages.NewLink).Select(NetlinkMessages.ParseLink).ToList();

        public IReadOnlyList<NetAddress> Addresses() => Payloads(addresses, NetlinkMessages.NewAddr).Select(NetlinkMessages.ParseAddress).ToList();

        public NetRoute RouteTo(IPAddress destination) =>
            routes.TryGetValue(destination.ToString(), out var hex)
                ? NetlinkMessages.ParseRoute(Payloads(hex, NetlinkMessages.NewRoute).Single())
                : throw new NkdumpException($"no route to {destination}");

        private static IEnumerable<byte[]> Payloads(string hex, ushort type) =>
            NetlinkMessages.Split(Convert.FromHexString(hex)).Where(m => m.Type == type).Select(m => m.Payload);
    }

    private static readonly CapturedProbe Captured = new(new()
    {
        ["10.9.0.1"] = NetlinkCaptures.RouteToVethGateway,
        ["192.0.2.77"] = NetlinkCaptures.RouteToDefault,
        ["10.8.0.7"] = NetlinkCaptures.RouteToBridgeNet,
        ["fd01::9"] = NetlinkCaptures.RouteToV6,
        ["127.0.0.1"] = NetlinkCaptures.RouteToLoopback,
    });

    private static IPAddress[] NoDns(string name) => throw new InvalidOperationException($"unexpected lookup of {name}");

    private static CaptureNetwork? Detect(string config, INetworkProbe? probe = null, Func<string, IPAddress[]>? resolve = null) =>
        CaptureNetworkDetector.Detect(KdumpConfigParser.Parse(config), probe ?? Captured, resolve ?? NoDns);

    [Fact]
    public void Captured_dumps_parse_into_links_and_addresses()
    {
        var links = Captured.Links();
        Assert.Equal(["lo", "vb", "va", "br0"], links.Select(l => l.Name));
        var vb = links.Single(l => l.Name == "vb");
        Assert.Equal(("veth", "bridge", 4), (vb.Kind, vb.SlaveKind, vb.Master));
        Assert.Equal("bridge", links.Single(l => l.Name == "br0").Kind);
        var va = Captured.Addresses().Single(a => a.Address.Equals(IPAddress.Parse("10.9.0.5")));
        Assert.False(va.IsPermanent);
        Assert.Equal(24, va.Prefix);
        Assert.True(Captured.Addresses().Single(a => a.Address.Equals(IPAddress.Parse("10.8.0.5"))).IsPermanent);
    }

    [Fact]
    public void A_leased_IPv4_address_means_DHCP_on_the_NIC_found_by_MAC()
    {
        var network = Detect("ssh root@10.9.0.1\n")!;
        Assert.Equal(("va", "7a:92:a8:89:69:d7", LinkKind.Plain, AddressMethod.Dhcp4), (network.HostInterface, network.Mac, network.Kind, network.Method));
        Assert.Null(network.Address);   // the capture asks again; the lease's address is not copied
        Assert.Equal(IPAddress.Parse("10.9.0.1"), network.Server);
    }

    [Fact]
    public void A_server_behind_the_default_route_is_reached_through_the_same_NIC()
    {
        var network = Detect("nfs 192.0.2.77:/export\n")!;
        Assert.Equal(("va", AddressMethod.Dhcp4), (network.HostInterface, network.Method));
    }

    [Fact]
    public void A_static_address_on_a_bridge_is_copied_with_its_prefix_and_the_bridge_ports()
    {
        var network = Detect("ssh kdump@10.8.0.7\n")!;
        Assert.Equal((LinkKind.Bridge, AddressMethod.Static4, "10.8.0.5/24"), (network.Kind, network.Method, network.Address));
        Assert.Equal(["fa:24:da:4d:61:83"], network.MemberMacs);
        Assert.Equal(["bridge"], network.LinkModules);
    }

    [Fact]
    public void A_static_IPv6_address_is_copied()
    {
        var network = Detect("ssh root@[fd01::9]\n")!;
        Assert.Equal(("va", AddressMethod.Static6, "fd01::5/64"), (network.HostInterface, network.Method, network.Address));
    }

    [Fact]
    public void A_server_on_this_machine_is_refused()
    {
        var e = Assert.Throws<NkdumpException>(() => Detect("ssh root@127.0.0.1\n"));
        Assert.Contains("is this machine", e.Message);
    }

    [Fact]
    public void No_route_stops_with_the_reason()
    {
        var e = Assert.Throws<NkdumpException>(() => Detect("ssh root@203.0.113.9\n"));
        Assert.Contains("no route to 203.0.113.9", e.Message);
    }

    [Fact]
    public void A_handwritten_ip_wins_and_local_targets_need_no_network()
    {
        Assert.Null(Detect("ssh root@10.9.0.1\nkdump_commandline_append ip=10.9.0.5::10.9.0.1:255.255.255.0::eth0:none\n"));
        Assert.Null(Detect("ext4 LABEL=dump\n"));
    }

    [Fact]
    public void A_DNS_name_is_resolved_at_build_time_and_pinned()
    {
        var network = Detect("ssh root@dumps.example\n", resolve: n => n == "dumps.example" ? [IPAddress.Parse("10.8.0.7")] : []);
        Assert.Equal(IPAddress.Parse("10.8.0.7"), network!.Server);
        Assert.Contains("server 10.8.0.7\n", network.Format());
        Assert.Throws<NkdumpException>(() => Detect("ssh root@nowhere.example\n", resolve: _ => []));
    }

    [Fact]
    public void A_VLAN_names_its_parent_NIC_and_needs_8021q()
    {
        var probe = Built(
            [Link(2, "ens3", "52:54:00:00:00:01"), Link(3, "ens3.42", "52:54:00:00:00:01", kind: "vlan", parent: 2, data: Attr(1, U16(42)))],
            [Address(3, "192.168.42.5", 24, permanent: true)], new NetRoute(3, IPAddress.Parse("192.168.42.1"), null));
        var network = Detect("ssh root@10.1.1.1\n", probe)!;
        Assert.Equal((LinkKind.Vlan, 42, AddressMethod.Static4, "192.168.42.5/24"), (network.Kind, network.VlanId, network.Method, network.Address));
        Assert.Equal(IPAddress.Parse("192.168.42.1"), network.Gateway);
        Assert.Equal(["52:54:00:00:00:01"], network.MemberMacs);
        Assert.Equal(["8021q"], network.LinkModules);
    }

    [Fact]
    public void An_active_backup_bond_names_its_slaves_by_permanent_MAC()
    {
        // In active-backup both slaves wear the bond's MAC; the capture kernel sees their own.
        var bondMac = "52:54:00:00:00:0a";
        var probe = Built(
            [Link(4, "bond0", bondMac, kind: "bond", data: Attr(1, [1])),
             Link(2, "ens3", bondMac, master: 4, slaveKind: "bond", slaveData: Attr(4, Mac("52:54:00:00:00:01"))),
             Link(3, "ens4", bondMac, master: 4, slaveKind: "bond", slaveData: Attr(4, Mac("52:54:00:00:00:02")))],
            [Address(4, "10.0.2.15", 24, permanent: false)], new NetRoute(4, IPAddress.Parse("10.0.2.2"), IPAddress.Parse("10.0.2.15")));
        var network = Detect("ssh root@10.0.2.2\n", probe)!;
        Assert.Equal((LinkKind.Bond, "active-backup", AddressMethod.Dhcp4), (network.Kind, network.BondMode, network.Method));
        Assert.Equal(["52:54:00:00:00:01", "52:54:00:00:00:02"], network.MemberMacs);
        Assert.Equal(network, CaptureNetwork.Parse(network.Format()) with { Members = network.Members });
        Assert.Equal(network.MemberMacs, CaptureNetwork.Parse(network.Format()).MemberMacs);
    }

    [Fact]
    public void Other_bond_modes_and_stacked_links_are_refused_with_advice()
    {
        var rr = Built([Link(4, "bond0", "52:54:00:00:00:0a", kind: "bond", data: Attr(1, [0]))], [Address(4, "10.0.2.15", 24, true)], new NetRoute(4, null, null));
        Assert.Contains("balance-rr", Assert.Throws<NkdumpException>(() => Detect("ssh root@10.0.2.2\n", rr)).Message);
        var stacked = Built(
            [Link(4, "bond0", "52:54:00:00:00:0a", kind: "bond", data: Attr(1, [1])), Link(5, "bond0.7", "52:54:00:00:00:0a", kind: "vlan", parent: 4, data: Attr(1, U16(7)))],
            [Address(5, "10.0.7.15", 24, true)], new NetRoute(5, null, null));
        Assert.Contains("ip= in kdump_commandline_append", Assert.Throws<NkdumpException>(() => Detect("ssh root@10.0.7.2\n", stacked)).Message);
    }

    [Fact]
    public void SLAAC_is_an_IPv6_address_without_the_permanent_flag()
    {
        var probe = Built([Link(2, "ens3", "52:54:00:12:34:56")], [Address(2, "fec0::5054:ff:fe12:3456", 64, permanent: false)], new NetRoute(2, IPAddress.Parse("fe80::2"), null));
        var network = Detect("ssh root@[fec0::2]\n", probe)!;
        Assert.Equal((AddressMethod.Slaac6, (string?)null), (network.Method, network.Address));
    }

    [Fact]
    public void Hostile_netlink_lengths_are_refused_with_the_offset()
    {
        var bytes = Convert.FromHexString(NetlinkCaptures.Links);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0xFFFF);
        Assert.Contains("offset 0", Assert.Throws<NkdumpException>(() => NetlinkMessages.Split(bytes)).Message);
        var attribute = new byte[] { 0xFF, 0x00, 0x01, 0x00 };
        Assert.Throws<NkdumpException>(() => NetlinkMessages.Attributes(attribute, 0));
        Assert.Throws<NkdumpException>(() => NetlinkMessages.ParseLink(new byte[8]));
    }

    // A probe over built messages, through the same parser as the captured ones.
    private static CapturedProbe Built(byte[][] links, byte[][] addresses, NetRoute route)
    {
        var routeBody = new byte[12].Concat(Attr(4, U32(route.OutputInterface)))
            .Concat(route.Gateway is null ? [] : Attr(5, route.Gateway.GetAddressBytes()))
            .Concat(route.PreferredSource is null ? [] : Attr(7, route.PreferredSource.GetAddressBytes())).ToArray();
        return new CapturedProbe(
            new Dictionary<string, string> { ["10.1.1.1"] = Hex(NetlinkMessages.NewRoute, routeBody), ["10.0.2.2"] = Hex(NetlinkMessages.NewRoute, routeBody), ["10.0.7.2"] = Hex(NetlinkMessages.NewRoute, routeBody), ["fec0::2"] = Hex(NetlinkMessages.NewRoute, routeBody) },
            Convert.ToHexString(links.SelectMany(l => Message(NetlinkMessages.NewLink, l)).Concat(Message(NetlinkMessages.Done, new byte[4])).ToArray()),
            Convert.ToHexString(addresses.SelectMany(a => Message(NetlinkMessages.NewAddr, a)).Concat(Message(NetlinkMessages.Done, new byte[4])).ToArray()));
    }

    private static string Hex(ushort type, byte[] body) => Convert.ToHexString(Message(type, body));

    private static byte[] Message(ushort type, byte[] body)
    {
        var message = new byte[NetlinkMessages.Align(16 + body.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)(16 + body.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), type);
        body.CopyTo(message, 16);
        return message;
    }

    private static byte[] Link(int index, string name, string mac, string? kind = null, int? parent = null, int? master = null, byte[]? data = null, string? slaveKind = null, byte[]? slaveData = null)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        var info = (kind is null ? [] : Attr(1, Encoding.ASCII.GetBytes(kind + "\0"))).Concat(data is null ? [] : Attr(2, data))
            .Concat(slaveKind is null ? [] : Attr(4, Encoding.ASCII.GetBytes(slaveKind + "\0"))).Concat(slaveData is null ? [] : Attr(5, slaveData)).ToArray();
        return header.Concat(Attr(3, Encoding.ASCII.GetBytes(name + "\0"))).Concat(Attr(1, Mac(mac)))
            .Concat(parent is null ? [] : Attr(5, U32(parent.Value))).Concat(master is null ? [] : Attr(10, U32(master.Value)))
            .Concat(info.Length == 0 ? [] : Attr(18, info)).ToArray();
    }

    private static byte[] Address(int index, string address, int prefix, bool permanent)
    {
        var ip = IPAddress.Parse(address);
        var header = new byte[8];
        header[0] = (byte)(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 2 : 10);
        header[1] = (byte)prefix;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        return header.Concat(Attr(1, ip.GetAddressBytes())).Concat(Attr(8, U32(permanent ? 0x80 : 0))).ToArray();
    }

    private static byte[] Attr(int type, byte[] value)
    {
        var attr = new byte[NetlinkMessages.Align(4 + value.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(attr, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attr.AsSpan(2), (ushort)type);
        value.CopyTo(attr, 4);
        return attr;
    }

    private static byte[] U32(int value) => BitConverter.GetBytes(value);

    private static byte[] U16(int value) => BitConverter.GetBytes((ushort)value);

    private static byte[] Mac(string mac) => Convert.FromHexString(mac.Replace(":", ""));
}
