using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Nkdump.Config.Network;

/// <summary>How the host's interface toward the target got its address, which the capture kernel repeats.</summary>
public enum AddressMethod
{
    /// <summary>An IPv4 address with a lease (no IFA_F_PERMANENT): DHCPv4 again in the capture kernel.</summary>
    Dhcp4,

    /// <summary>A permanent IPv4 address: the same address, netmask and gateway.</summary>
    Static4,

    /// <summary>An IPv6 address from router advertisements (IFA_F_MANAGETEMPADDR or a finite lifetime): the kernel's SLAAC again.</summary>
    Slaac6,

    /// <summary>A permanent IPv6 address: the same address, prefix and gateway.</summary>
    Static6,
}

/// <summary>What carries the address: the NIC itself, or a VLAN, bond or bridge built over NICs.</summary>
public enum LinkKind
{
    Plain,
    Vlan,
    Bond,
    Bridge,
}

/// <summary>
/// The capture kernel's network, derived at start/rebuild from the host's route to the dump server
/// and written into the capture initramfs as <see cref="FilePath"/>. Interfaces are named by MAC
/// address (the capture kernel has no udev: its names are eth0, eth1…). <see cref="Members"/> are
/// the NICs under the link (a VLAN's parent, a bond's slaves by permanent MAC, a bridge's ports);
/// for a plain NIC, <see cref="Mac"/> names it. The server is pinned as an address: DNS names are
/// resolved at build time, since the capture initramfs has no resolver configuration.
/// </summary>
public sealed record CaptureNetwork(
    IPAddress Server,
    string HostInterface,
    string Mac,
    LinkKind Kind,
    AddressMethod Method,
    string? Address = null,
    IPAddress? Gateway = null,
    int? VlanId = null,
    string? BondMode = null,
    IReadOnlyList<string>? Members = null)
{
    /// <summary>Where the capture initramfs holds it.</summary>
    public const string FilePath = "/etc/nkdump/network";

    public IReadOnlyList<string> MemberMacs => Members ?? [];

    /// <summary>The kernel modules the link needs besides the NIC drivers (8021q, bonding, bridge).</summary>
    public IReadOnlyList<string> LinkModules => Kind switch
    {
        LinkKind.Vlan => ["8021q"],
        LinkKind.Bond => ["bonding"],
        LinkKind.Bridge => ["bridge"],
        _ => [],
    };

    /// <summary>One line for `config show` and the start log.</summary>
    public string Describe()
    {
        var how = Method switch
        {
            AddressMethod.Dhcp4 => "DHCPv4",
            AddressMethod.Static4 => $"static IPv4 {Address}",
            AddressMethod.Slaac6 => "IPv6 SLAAC",
            _ => $"static IPv6 {Address}",
        };
        var link = Kind switch
        {
            LinkKind.Vlan => $"VLAN {VlanId} on {string.Join(",", MemberMacs)}",
            LinkKind.Bond => $"bond ({BondMode}) of {string.Join(",", MemberMacs)}",
            LinkKind.Bridge => $"bridge over {string.Join(",", MemberMacs)}",
            _ => $"the NIC {Mac}",
        };
        return $"{Server} via {HostInterface} ({link}), {how}{(Gateway is null ? "" : $", gateway {Gateway}")}";
    }

    /// <summary>The file's text: one "key value" per line (see <see cref="Parse"/>).</summary>
    public string Format()
    {
        var text = new StringBuilder();
        text.Append("# the capture network, derived by nkdump from the host's route to the dump server\n");
        text.Append(CultureInfo.InvariantCulture, $"server {Server}\n");
        text.Append(CultureInfo.InvariantCulture, $"host-interface {HostInterface}\n");
        text.Append(CultureInfo.InvariantCulture, $"mac {Mac}\n");
        text.Append(CultureInfo.InvariantCulture, $"link {Kind.ToString().ToLowerInvariant()}\n");
        text.Append(CultureInfo.InvariantCulture, $"method {MethodName(Method)}\n");
        if (Address is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"address {Address}\n");
        }

        if (Gateway is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"gateway {Gateway}\n");
        }

        if (VlanId is { } id)
        {
            text.Append(CultureInfo.InvariantCulture, $"vlan-id {id}\n");
        }

        if (BondMode is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"bond-mode {BondMode}\n");
        }

        foreach (var member in MemberMacs)
        {
            text.Append(CultureInfo.InvariantCulture, $"member {member}\n");
        }

        return text.ToString();
    }

    /// <summary>Reads <see cref="Format"/>'s text; a bad line is a <see cref="ConfigException"/> naming the line.</summary>
    public static CaptureNetwork Parse(string text, string file = FilePath)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var members = new List<string>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[1].Length == 0)
            {
                throw new ConfigException($"{file}:{number}: expected 'key value', got '{line}'");
            }

            if (parts[0] == "member")
            {
                members.Add(Mac48(parts[1], file, number));
            }
            else
            {
                values[parts[0]] = parts[1];
            }
        }

        string Need(string key) => values.TryGetValue(key, out var v) ? v : throw new ConfigException($"{file}: no '{key}' line");
        IPAddress Ip(string key) => IPAddress.TryParse(Need(key), out var ip) ? ip : throw new ConfigException($"{file}: '{key} {values[key]}' is not an IP address");
        var kind = Need("link") switch
        {
            "plain" => LinkKind.Plain,
            "vlan" => LinkKind.Vlan,
            "bond" => LinkKind.Bond,
            "bridge" => LinkKind.Bridge,
            var other => throw new ConfigException($"{file}: unknown link '{other}'"),
        };
        var method = Need("method") switch
        {
            "dhcp4" => AddressMethod.Dhcp4,
            "static4" => AddressMethod.Static4,
            "slaac6" => AddressMethod.Slaac6,
            "static6" => AddressMethod.Static6,
            var other => throw new ConfigException($"{file}: unknown method '{other}'"),
        };
        string? address = null;
        if (values.TryGetValue("address", out var cidr))
        {
            address = TryCidr(cidr, out _, out _) ? cidr : throw new ConfigException($"{file}: 'address {cidr}' is not ADDRESS/PREFIX");
        }
        else if (method is AddressMethod.Static4 or AddressMethod.Static6)
        {
            throw new ConfigException($"{file}: a static method needs an 'address' line");
        }

        int? vlan = null;
        if (values.TryGetValue("vlan-id", out var vid))
        {
            vlan = int.TryParse(vid, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is > 0 and < 4095 ? v : throw new ConfigException($"{file}: 'vlan-id {vid}' is not 1..4094");
        }

        return new CaptureNetwork(Ip("server"), Need("host-interface"), Mac48(Need("mac"), file, 0), kind, method, address,
            values.ContainsKey("gateway") ? Ip("gateway") : null, vlan, values.GetValueOrDefault("bond-mode"), members);
    }

    public static string MethodName(AddressMethod method) => method switch
    {
        AddressMethod.Dhcp4 => "dhcp4",
        AddressMethod.Static4 => "static4",
        AddressMethod.Slaac6 => "slaac6",
        _ => "static6",
    };

    /// <summary>"ADDRESS/PREFIX" with a prefix that fits the family.</summary>
    public static bool TryCidr(string text, out IPAddress address, out int prefix)
    {
        address = IPAddress.None;
        prefix = 0;
        var slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var parsed)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix))
        {
            return false;
        }

        address = parsed;
        return prefix <= (parsed.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
    }

    private static string Mac48(string text, string file, int line)
    {
        var parts = text.Split(':');
        return parts.Length == 6 && parts.All(p => p.Length == 2 && p.All(char.IsAsciiHexDigit))
            ? text.ToLowerInvariant()
            : throw new ConfigException($"{file}{(line > 0 ? $":{line}" : "")}: '{text}' is not a MAC address");
    }
}
