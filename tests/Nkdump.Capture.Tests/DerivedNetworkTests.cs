using System.Buffers.Binary;
using System.Net;
using Nkdump.Capture.Machine;
using Nkdump.Capture.Targets;
using Nkdump.Config.Network;

namespace Nkdump.Capture.Tests;

/// <summary>The capture side of the derived network: /etc/nkdump/network applied to the NIC found by MAC; DHCP messages.</summary>
public class DerivedNetworkTests
{
    /// <summary>Records the network calls; answers DHCP with a fixed lease; "sleeping" may make an address appear.</summary>
    private sealed class RecordingNetwork(List<string> calls) : ICaptureNetwork
    {
        public Action? OnSleep { get; set; }

        public DhcpLease Dhcp4(int ifindex, byte[] mac, Action<string> info)
        {
            calls.Add($"dhcp {ifindex} {Convert.ToHexString(mac)}");
            return new DhcpLease(IPAddress.Parse("10.0.2.15"), IPAddress.Parse("255.255.255.0"), IPAddress.Parse("10.0.2.2"), IPAddress.Parse("10.0.2.2"), 86400);
        }

        public void AddIpv6(int ifindex, IPAddress address, int prefix) => calls.Add($"addr6 {ifindex} {address}/{prefix}");

        public void AddIpv6DefaultRoute(int ifindex, IPAddress gateway) => calls.Add($"route6 {ifindex} {gateway}");

        public void Sleep(TimeSpan time) => OnSleep?.Invoke();

        /// <summary>Called with the new link's name: the test makes its sysfs entry, as the kernel would.</summary>
        public Action<string>? OnAddLink { get; set; }

        public void AddLink(string name, string kind, int parent = 0, int vlanId = 0)
        {
            calls.Add($"link {name} {kind}{(kind == "vlan" ? $" on {parent} id {vlanId}" : "")}");
            OnAddLink?.Invoke(name);
        }

        public void SetMaster(int ifindex, int master) => calls.Add($"master {ifindex} {master}");
    }

    private static (CaptureTestRoot Root, RecordingNetwork Network) Setup(string plan, string commandLine = "init root=/dev/vda")
    {
        var t = new CaptureTestRoot();
        t.Write("/proc/cmdline", commandLine);
        t.Write(CaptureNetwork.FilePath, plan);
        // The capture kernel's names differ from the host's (ens3 there): the NIC is eth1 here, found by MAC.
        t.Write("/sys/class/net/eth0/address", "52:54:00:00:00:99\n");
        t.Write("/sys/class/net/eth0/ifindex", "2\n");
        t.Write("/sys/class/net/eth1/address", "52:54:00:12:34:56\n");
        t.Write("/sys/class/net/eth1/ifindex", "3\n");
        t.Write("/sys/class/net/lo/address", "00:00:00:00:00:00\n");
        return (t, new RecordingNetwork(t.Machine.Calls));
    }

    private static CaptureNetwork? Bring((CaptureTestRoot Root, RecordingNetwork Network) s) =>
        new NetworkSetup(s.Root.Root, s.Root.Machine, s.Network, new CaptureLog(s.Root.Log)).Bring(File.ReadAllText(s.Root["/proc/cmdline"]));

    private static string Plan(string method, string extra = "") =>
        $"server 10.0.2.2\nhost-interface ens3\nmac 52:54:00:12:34:56\nlink plain\nmethod {method}\n{extra}";

    [Fact]
    public void DHCP_runs_on_the_NIC_with_the_hosts_MAC_and_configures_the_lease()
    {
        var s = Setup(Plan("dhcp4"));
        using var _ = s.Root;
        var plan = Bring(s);
        Assert.Equal(IPAddress.Parse("10.0.2.2"), plan!.Server);
        Assert.Equal(["up lo", "up eth1", "dhcp 3 525400123456", "configure eth1 10.0.2.15 255.255.255.0 via 10.0.2.2"], s.Root.Machine.Calls);
        Assert.Contains("the NIC 52:54:00:12:34:56 is eth1 here", s.Root.Log.ToString());
    }

    [Fact]
    public void A_static_IPv4_plan_gives_the_same_address_netmask_and_gateway()
    {
        var s = Setup(Plan("static4", "address 192.168.1.20/23\ngateway 192.168.0.1\n"));
        using var _ = s.Root;
        Bring(s);
        Assert.Equal(["up lo", "configure eth1 192.168.1.20 255.255.254.0 via 192.168.0.1"], s.Root.Machine.Calls);
    }

    [Fact]
    public void A_handwritten_ip_on_the_command_line_wins_over_the_plan()
    {
        var s = Setup(Plan("dhcp4"), "init ip=10.0.2.99::10.0.2.2:255.255.255.0::eth0:none");
        using var _ = s.Root;
        Assert.Null(Bring(s));
        Assert.Equal(["up lo", "configure eth0 10.0.2.99 255.255.255.0 via 10.0.2.2"], s.Root.Machine.Calls);
    }

    [Fact]
    public void SLAAC_waits_for_a_global_address_past_DAD_and_a_default_route()
    {
        var s = Setup(Plan("slaac6"));
        using var _ = s.Root;
        var polls = 0;
        s.Network.OnSleep = () =>
        {
            polls++;
            // First a tentative address (flags 0x40), then a settled one and the RA's default route.
            s.Root.Write("/proc/net/if_inet6", polls < 3
                ? "fec0000000000000505400fffe123456 03 40 00 40     eth1\n"
                : "fe800000000000005054 03 40 20 80     eth1\nfec0000000000000505400fffe123456 03 40 00 00     eth1\n");
            if (polls >= 4)
            {
                s.Root.Write("/proc/net/ipv6_route", "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000002 00000400 00000001 00000000 00450003     eth1\n");
            }
        };
        Bring(s);
        Assert.Equal(["up lo", "up eth1"], s.Root.Machine.Calls);
        Assert.Equal(4, polls);
        Assert.Contains("eth1 has fec0::5054:ff:fe12:3456 and a default route", s.Root.Log.ToString());

        // QEMU's default prefix is site-local: /proc/net/if_inet6 gives its scope as 40.
        s.Root.Machine.Calls.Clear();
        s.Root.Write("/proc/net/if_inet6", "fec0000000000000505400fffe123456 03 40 40 00     eth1\n");
        Bring(s);
        Assert.Contains("eth1 has fec0::5054:ff:fe12:3456 and a default route", s.Root.Log.ToString());
    }

    [Fact]
    public void SLAAC_without_router_advertisements_fails_the_capture_with_the_reason()
    {
        var s = Setup(Plan("slaac6"));
        using var _ = s.Root;
        var e = Assert.Throws<CaptureFailedException>(() => Bring(s));
        Assert.Contains("no global IPv6 address", e.Message);
    }

    [Fact]
    public void A_static_IPv6_plan_adds_the_address_and_the_default_route()
    {
        var s = Setup(Plan("static6", "address fd00::5/64\ngateway fd00::1\n"));
        using var _ = s.Root;
        s.Root.Write("/proc/net/if_inet6", "fd000000000000000000000000000005 03 40 00 80     eth1\n");
        Bring(s);
        Assert.Equal(["up lo", "up eth1", "addr6 3 fd00::5/64", "route6 3 fd00::1"], s.Root.Machine.Calls);
    }

    [Fact]
    public void A_missing_NIC_and_an_unbuilt_link_kind_name_the_problem()
    {
        var s = Setup(Plan("dhcp4").Replace("52:54:00:12:34:56", "52:54:00:ab:cd:ef"));
        using var _ = s.Root;
        Assert.Contains("no network interface has the MAC address 52:54:00:ab:cd:ef", Assert.Throws<CaptureFailedException>(() => Bring(s)).Message);
        s.Root.Write(CaptureNetwork.FilePath, Plan("dhcp4", "vlan-id 7\n").Replace("link plain", "link vlan"));
        Assert.Contains("without member NICs", Assert.Throws<CaptureFailedException>(() => Bring(s)).Message);
        s.Root.Write(CaptureNetwork.FilePath, "server 10.0.2.2\nmethod carrier-pigeon\n");
        Assert.Throws<CaptureFailedException>(() => Bring(s));
    }

    private static void AddLinksToSysfs((CaptureTestRoot Root, RecordingNetwork Network) s) => s.Network.OnAddLink = name =>
    {
        s.Root.Write($"/sys/class/net/{name}/address", "52:54:00:12:34:56\n");
        s.Root.Write($"/sys/class/net/{name}/ifindex", "9\n");
    };

    [Fact]
    public void A_VLAN_is_built_on_the_parent_NIC_found_by_MAC()
    {
        var s = Setup(Plan("static4", "address 192.168.42.5/24\ngateway 192.168.42.1\nvlan-id 42\nmember 52:54:00:12:34:56\n").Replace("link plain", "link vlan"));
        using var _ = s.Root;
        AddLinksToSysfs(s);
        Bring(s);
        Assert.Equal(["up eth1", "link eth1.42 vlan on 3 id 42", "up lo", "configure eth1.42 192.168.42.5 255.255.255.0 via 192.168.42.1"], s.Root.Machine.Calls);
    }

    [Fact]
    public void An_active_backup_bond_enslaves_its_NICs_down_then_brings_them_up_and_runs_DHCP_on_the_bond()
    {
        var s = Setup(Plan("dhcp4", "bond-mode active-backup\nmember 52:54:00:12:34:56\nmember 52:54:00:00:00:99\n").Replace("link plain", "link bond").Replace("host-interface ens3", "host-interface bond0"));
        using var _ = s.Root;
        AddLinksToSysfs(s);
        Bring(s);
        Assert.Equal(["link bond0 bond", "master 3 9", "master 2 9", "up eth1", "up eth0", "up lo", "up bond0", "dhcp 9 525400123456", "configure bond0 10.0.2.15 255.255.255.0 via 10.0.2.2"], s.Root.Machine.Calls);
    }

    [Fact]
    public void A_bridge_takes_another_name_when_the_hosts_is_taken_here()
    {
        var s = Setup(Plan("dhcp4", "member 52:54:00:12:34:56\n").Replace("link plain", "link bridge").Replace("host-interface ens3", "host-interface eth0"));
        using var _ = s.Root;
        AddLinksToSysfs(s);
        Bring(s);
        Assert.Equal(["link nkbr0 bridge", "master 3 9", "up eth1"], s.Root.Machine.Calls.Take(3));
        Assert.Contains("created nkbr0 (bridge) over eth1", s.Root.Log.ToString());
    }

    [Fact]
    public void A_link_request_is_an_ifinfomsg_with_nested_attributes()
    {
        // RTM_NEWLINK, NLM_F_REQUEST|ACK|EXCL|CREATE, then IFLA_IFNAME "bond0" and IFLA_LINKINFO { KIND "bond", DATA { MODE 1, MIIMON 100 } }.
        var message = NetlinkLinks.Link(0, 0x600, [.. NetlinkLinks.Attr(3, "bond0\0"u8.ToArray())]);
        Assert.Equal((uint)message.Length, BinaryPrimitives.ReadUInt32LittleEndian(message));
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(4)));
        Assert.Equal(0x605, BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(6)));
        Assert.Equal(32 + 12, message.Length);   // 16 + 16 headers, a 10-byte attribute padded to 12
        Assert.Equal(10, BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(32)));
    }

    [Fact]
    public void DHCP_messages_are_checked_before_use()
    {
        var mac = Convert.FromHexString("525400123456");
        var discover = DhcpMessages.Build(DhcpMessages.Discover, 0x1234, mac);
        Assert.Equal(0, DhcpMessages.Checksum(discover.AsSpan(0, 20)));   // a valid header sums to zero
        Assert.Null(DhcpMessages.Parse(discover, 0x1234, mac));           // our own request, seen on the link

        var offer = Answer(discover, DhcpMessages.Offer);
        var parsed = DhcpMessages.Parse(offer, 0x1234, mac);
        Assert.Equal(DhcpMessages.Offer, parsed!.Value.Type);
        Assert.Equal(new DhcpLease(IPAddress.Parse("10.0.2.15"), IPAddress.Parse("255.255.255.0"), IPAddress.Parse("10.0.2.2"), IPAddress.Parse("10.0.2.2"), 86400), parsed.Value.Lease);
        Assert.Null(DhcpMessages.Parse(offer, 0x9999, mac));              // another transaction
        Assert.Null(DhcpMessages.Parse(offer.AsSpan(0, 100), 0x1234, mac));
        var bad = (byte[])offer.Clone();
        bad[28 + 240 + 1] = 200;                                           // an option running past the end
        Assert.Null(DhcpMessages.Parse(bad, 0x1234, mac));

        var request = DhcpMessages.Build(DhcpMessages.Request, 0x1234, mac, IPAddress.Parse("10.0.2.15"), IPAddress.Parse("10.0.2.2"));
        Assert.Contains(request.AsSpan(28 + 240).ToArray().Chunk(6).Select(c => c.Length), n => n > 0);
        Assert.True(ContainsOption(request, 50, [10, 0, 2, 15]) && ContainsOption(request, 54, [10, 0, 2, 2]));
    }

    private static bool ContainsOption(byte[] packet, byte code, byte[] value)
    {
        for (var o = 28 + 240; o + 1 < packet.Length && packet[o] != 255; o += 2 + packet[o + 1])
        {
            if (packet[o] == code && packet.AsSpan(o + 2, packet[o + 1]).SequenceEqual(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A server's answer to <paramref name="request"/>: op 2, yiaddr 10.0.2.15, the options QEMU's user network sends.</summary>
    private static byte[] Answer(byte[] request, byte type)
    {
        var packet = (byte[])request.Clone();
        var bootp = packet.AsSpan(28);
        bootp[0] = 2;
        new byte[] { 10, 0, 2, 15 }.CopyTo(bootp[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 67);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 68);
        bootp[240..].Clear();
        byte[] options = [53, 1, type, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2, 51, 4, 0, 1, 0x51, 0x80, 255];
        options.CopyTo(bootp[240..]);
        return packet;
    }
}
