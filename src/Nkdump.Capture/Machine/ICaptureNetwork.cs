using System.Net;

namespace Nkdump.Capture.Machine;

/// <summary>
/// The network calls the derived capture network needs beyond <see cref="ICaptureMachine"/>'s static
/// IPv4: a DHCPv4 lease, static IPv6, VLAN, bond and bridge links, and waiting (SLAAC and duplicate address detection take
/// seconds). The Linux implementation makes the calls; tests record them.
/// </summary>
internal interface ICaptureNetwork
{
    DhcpLease Dhcp4(int ifindex, byte[] mac, Action<string> info);

    void AddIpv6(int ifindex, IPAddress address, int prefix);

    void AddIpv6DefaultRoute(int ifindex, IPAddress gateway);

    void Sleep(TimeSpan time);

    /// <summary>Creates a link: "vlan" on <paramref name="parent"/> with <paramref name="vlanId"/>, an active-backup "bond", or a "bridge".</summary>
    void AddLink(string name, string kind, int parent = 0, int vlanId = 0);

    /// <summary>The interface joins a bond or bridge.</summary>
    void SetMaster(int ifindex, int master);
}

internal sealed class LinuxCaptureNetwork : ICaptureNetwork
{
    public DhcpLease Dhcp4(int ifindex, byte[] mac, Action<string> info) => DhcpClient.Run(ifindex, mac, info);

    public void AddIpv6(int ifindex, IPAddress address, int prefix) => Ipv6Ioctls.AddAddress(ifindex, address, prefix);

    public void AddIpv6DefaultRoute(int ifindex, IPAddress gateway) => Ipv6Ioctls.AddDefaultRoute(ifindex, gateway);

    public void Sleep(TimeSpan time) => Thread.Sleep(time);

    public void AddLink(string name, string kind, int parent = 0, int vlanId = 0)
    {
        switch (kind)
        {
            case "vlan": NetlinkLinks.AddVlan(name, parent, vlanId); break;
            case "bond": NetlinkLinks.AddBond(name); break;
            default: NetlinkLinks.AddBridge(name); break;
        }
    }

    public void SetMaster(int ifindex, int master) => NetlinkLinks.SetMaster(ifindex, master);
}
