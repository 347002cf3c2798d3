using System.Net;
using Nkdump.Config.Network;

namespace Nkdump.Config.Tests;

/// <summary>/etc/nkdump/network: what start writes is what the capture reads; a damaged file names the line.</summary>
public class CaptureNetworkTests
{
    [Fact]
    public void Every_kind_survives_format_and_parse()
    {
        CaptureNetwork[] plans =
        [
            new(IPAddress.Parse("10.0.2.2"), "ens3", "52:54:00:12:34:56", LinkKind.Plain, AddressMethod.Dhcp4),
            new(IPAddress.Parse("10.1.1.1"), "ens3.42", "52:54:00:12:34:56", LinkKind.Vlan, AddressMethod.Static4, "192.168.42.5/24", IPAddress.Parse("192.168.42.1"), VlanId: 42, Members: ["52:54:00:12:34:56"]),
            new(IPAddress.Parse("fd00::1"), "bond0", "52:54:00:00:00:0a", LinkKind.Bond, AddressMethod.Static6, "fd00::5/64", IPAddress.Parse("fe80::1"), BondMode: "active-backup", Members: ["52:54:00:00:00:01", "52:54:00:00:00:02"]),
            new(IPAddress.Parse("fec0::2"), "br0", "52:54:00:00:00:0b", LinkKind.Bridge, AddressMethod.Slaac6, Members: ["52:54:00:00:00:03"]),
        ];
        foreach (var plan in plans)
        {
            var read = CaptureNetwork.Parse(plan.Format());
            Assert.Equal(plan.Format(), read.Format());
            Assert.Equal(plan.Describe(), read.Describe());
        }

        Assert.Equal(["8021q"], plans[1].LinkModules);
        Assert.Equal(["bonding"], plans[2].LinkModules);
        Assert.Equal(["bridge"], plans[3].LinkModules);
        Assert.Empty(plans[0].LinkModules);
        Assert.Equal("10.0.2.2 via ens3 (the NIC 52:54:00:12:34:56), DHCPv4", plans[0].Describe());
    }

    [Theory]
    [InlineData("server 10.0.2.2\nhost-interface e\nmac 52:54:00:12:34:56\nlink plain\nmethod static4\n", "needs an 'address'")]
    [InlineData("server 10.0.2.2\nhost-interface e\nmac 52:54:00:12:34:5\nlink plain\nmethod dhcp4\n", "not a MAC address")]
    [InlineData("server ten\nhost-interface e\nmac 52:54:00:12:34:56\nlink plain\nmethod dhcp4\n", "not an IP address")]
    [InlineData("server 10.0.2.2\nhost-interface e\nmac 52:54:00:12:34:56\nlink team\nmethod dhcp4\n", "unknown link")]
    [InlineData("server 10.0.2.2\nhost-interface e\nmac 52:54:00:12:34:56\nlink vlan\nmethod dhcp4\nvlan-id 4095\n", "1..4094")]
    [InlineData("server 10.0.2.2\nhost-interface e\nmac 52:54:00:12:34:56\nlink plain\nmethod static4\naddress 10.0.2.15/33\n", "ADDRESS/PREFIX")]
    [InlineData("server 10.0.2.2\nmember\n", ":2: expected 'key value'")]
    [InlineData("link plain\n", "no 'method' line")]
    public void A_damaged_file_is_refused_with_the_reason(string text, string reason)
    {
        var e = Assert.Throws<ConfigException>(() => CaptureNetwork.Parse(text));
        Assert.Contains(reason, e.Message);
    }
}
